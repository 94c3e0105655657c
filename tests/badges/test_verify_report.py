"""The verification pipeline: a real signed badge, a real signed status list, one thing changed at a time."""
from __future__ import annotations

import copy
import json
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from badges import bounds, checks, dids, model, proofs, status
from badges.jsonld import JsonObject
from badges.report import STATUS_RETRIEVAL, CheckId, CheckUndecided, Outcome, VerificationReport
from badges.verify import verify_credential

ISSUED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
LIST_URL = "https://badges.example.kr/orgs/acme/status/1"
INDEX = 42
EMAIL = "minjun.kim@example.kr"
ORDER = list(CheckId)  # the order the checks run and are reported in


class MemoryResolver:
    """A Resolver over plain dicts: DID documents and status list credentials by identifier."""

    def __init__(self) -> None:
        self.did_documents: dict[str, JsonObject] = {}
        self.status_lists: dict[str, JsonObject] = {}

    def did_document(self, did: str) -> JsonObject:
        if did not in self.did_documents:
            raise CheckUndecided("https://www.w3.org/TR/did-resolution#notFound", "issuer_key.unresolvable",
                                 f"No DID document for {did}.")
        return copy.deepcopy(self.did_documents[did])

    def status_list(self, url: str) -> JsonObject:
        if url not in self.status_lists:
            raise CheckUndecided(STATUS_RETRIEVAL, "status.unreachable", f"{url} could not be retrieved.")
        return copy.deepcopy(self.status_lists[url])


def key_from(n: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes([n]) * 32)


def signer_for(key: Ed25519PrivateKey) -> proofs.Ed25519Signer:
    did = dids.did_key(key.public_key())
    return proofs.Ed25519Signer(key, dids.did_key_method(did))


class Issuer:
    """A did:key issuer with one revocation list, publishing into a MemoryResolver."""

    def __init__(self) -> None:
        self.key = key_from(1)
        self.signer = signer_for(self.key)
        self.did = dids.did_key(self.key.public_key())
        self.resolver = MemoryResolver()
        self.bits = status.new_list()
        self.publish_list()

    def credential(self, *, valid_from: datetime = ISSUED, valid_until: datetime | None = None,
                   credential_status: JsonObject | None = None) -> JsonObject:
        """An unsigned badge for 김민준 from this issuer, with a revocation entry at INDEX."""
        return model.achievement_credential(
            credential_id="urn:uuid:3f1c1d9e-6a43-4c55-9a2b-2d9d7c1e0a11",
            issuer=model.profile(did=self.did, name="한빛 코딩 아카데미", url="https://academy.example.kr"),
            achievement=model.achievement(
                achievement_id="https://badges.example.kr/achievements/python-basics",
                name="파이썬 기초", description="파이썬 기초 과정을 수료했습니다.",
                criteria="12주 과정의 과제를 모두 제출하고 최종 프로젝트를 통과했습니다."),
            recipient=model.Recipient(name="김민준", email=EMAIL, salt="b6f1c2a9d3e4f507"),
            valid_from=valid_from, valid_until=valid_until,
            status=credential_status or status.status_entry(list_url=LIST_URL, index=INDEX))

    def sign(self, doc: JsonObject, *, signer: proofs.Ed25519Signer | None = None) -> JsonObject:
        return proofs.sign(doc, signer=signer or self.signer, created=ISSUED)

    def publish_list(self, *, purpose: str = "revocation", signer: proofs.Ed25519Signer | None = None,
                     issuer: str | None = None) -> JsonObject:
        """Sign the status list credential for the current bits and make it resolvable."""
        unsigned = {
            "@context": [model.VC_V2], "id": LIST_URL,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer or self.did, "validFrom": proofs.xsd_datetime(ISSUED),
            "credentialSubject": status.status_list_subject(list_url=LIST_URL, purpose=purpose, bits=self.bits)}
        signed = proofs.sign(unsigned, signer=signer or self.signer, created=ISSUED)
        self.resolver.status_lists[LIST_URL] = signed
        return signed


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


def as_bytes(doc: JsonObject) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


def verify(issuer: Issuer, raw: bytes, *, holder: str | None = None) -> VerificationReport:
    return verify_credential(raw, resolve=issuer.resolver, now=NOW, holder=holder)


def outcomes(report: VerificationReport) -> dict[CheckId, Outcome]:
    return {check.id: check.outcome for check in report.checks}


# --- the good credential ----------------------------------------------------------------------------

def test_a_good_credential_passes_every_check(issuer: Issuer) -> None:
    report = verify(issuer, as_bytes(issuer.sign(issuer.credential())), holder=EMAIL)
    assert [check.id for check in report.checks] == ORDER
    assert outcomes(report) == {check_id: Outcome.PASSED for check_id in ORDER}
    assert all(check.problem is None for check in report.checks)
    assert report.verified
    assert report.verdict == "valid"


def test_a_good_credential_is_valid_when_no_holder_is_asked_about(issuer: Issuer) -> None:
    report = verify(issuer, as_bytes(issuer.sign(issuer.credential())))
    recipient = report.check(CheckId.RECIPIENT)
    assert (recipient.outcome, recipient.required, recipient.reason) == (
        Outcome.SKIPPED, False, "recipient.not_requested")
    assert report.verified
    assert report.verdict == "valid"


def test_report_keeps_the_parsed_credential_and_the_instant_it_was_checked_at(issuer: Issuer) -> None:
    signed = issuer.sign(issuer.credential())
    report = verify(issuer, as_bytes(signed))
    assert report.credential == signed
    assert report.checked_at == NOW
    assert report.credential["credentialSubject"]["achievement"]["name"] == "파이썬 기초"


def test_a_credential_without_a_status_entry_skips_the_status_check_and_is_valid(issuer: Issuer) -> None:
    unsigned = issuer.credential()
    del unsigned["credentialStatus"]
    report = verify(issuer, as_bytes(issuer.sign(unsigned)))
    check = report.check(CheckId.STATUS)
    assert (check.outcome, check.required, check.reason) == (Outcome.SKIPPED, False, "status.none")
    assert report.verdict == "valid"


def test_a_credential_within_the_clock_skew_of_its_valid_from_is_valid(issuer: Issuer) -> None:
    raw = as_bytes(issuer.sign(issuer.credential(valid_from=NOW + timedelta(minutes=4))))
    assert verify(issuer, raw).verdict == "valid"


# --- one change, one failed check ------------------------------------------------------------------

Mutation = Callable[[Issuer], bytes]


def change_achievement_name(issuer: Issuer) -> bytes:
    signed = issuer.sign(issuer.credential())
    signed["credentialSubject"]["achievement"]["name"] = "파이썬 심화"
    return as_bytes(signed)


def add_evidence_whose_url_holds_a_space(issuer: Issuer) -> bytes:
    # pyld leaves a node whose id is not an absolute IRI out of the canonical N-Quads: signed with it or without
    # it, the proof was the same, so this evidence could be added or changed at will unless it is refused
    signed = issuer.sign(issuer.credential())
    signed["evidence"] = [{"id": "https://example.com/my portfolio", "type": ["Evidence"], "narrative": "가짜 증거"}]
    return as_bytes(signed)


def flip_a_proof_value_character(issuer: Issuer) -> bytes:
    signed = issuer.sign(issuer.credential())
    value = signed["proof"]["proofValue"]
    signed["proof"]["proofValue"] = value[:10] + ("2" if value[10] != "2" else "3") + value[11:]
    return as_bytes(signed)


def sign_with_another_did_key(issuer: Issuer) -> bytes:
    return as_bytes(issuer.sign(issuer.credential(), signer=signer_for(key_from(2))))


def name_another_issuer_after_signing(issuer: Issuer) -> bytes:
    signed = issuer.sign(issuer.credential())
    signed["issuer"]["id"] = dids.did_key(key_from(2).public_key())
    return as_bytes(signed)


def add_an_unknown_context(issuer: Issuer) -> bytes:
    signed = issuer.sign(issuer.credential())
    signed["@context"].append("https://contexts.example/evil/v1")
    return as_bytes(signed)


def drop_the_achievement(issuer: Issuer) -> bytes:
    unsigned = issuer.credential()
    del unsigned["credentialSubject"]["achievement"]
    return as_bytes(issuer.sign(unsigned))


def drop_the_proof(issuer: Issuer) -> bytes:
    signed = issuer.sign(issuer.credential())
    del signed["proof"]
    return as_bytes(signed)


def cut_the_json_short(issuer: Issuer) -> bytes:
    return as_bytes(issuer.sign(issuer.credential()))[:-20]


def nest_arrays_100k_deep(issuer: Issuer) -> bytes:
    return b"[" * 100_000 + b"]" * 100_000


def nest_objects_100k_deep(issuer: Issuer) -> bytes:
    return b'{"a":' * 100_000 + b"1" + b"}" * 100_000


def send_a_json_array(issuer: Issuer) -> bytes:
    return as_bytes([issuer.sign(issuer.credential())])  # type: ignore[arg-type]


def send_invalid_utf8(issuer: Issuer) -> bytes:
    return b'{"name": "\xff\xfe"}'


def name_the_recipient_with_a_lone_surrogate(issuer: Issuer) -> bytes:  # JSON, but not Unicode: it cannot be hashed
    signed = issuer.sign(issuer.credential())
    return as_bytes(signed).replace(b'"name":', b'"name":"\\ud800","x":', 1)


HALTING_FAILURES = {
    "achievement name changed": (change_achievement_name, CheckId.PROOF, "proof.signature_mismatch"),
    "proofValue character flipped": (flip_a_proof_value_character, CheckId.PROOF, "proof.signature_mismatch"),
    "evidence with a space in its URL added": (add_evidence_whose_url_holds_a_space, CheckId.PROOF,
                                               "proof.canonicalization_failed"),
    "signed by another did:key": (sign_with_another_did_key, CheckId.ISSUER_KEY, "issuer_key.not_issuers_key"),
    "issuer changed after signing": (name_another_issuer_after_signing, CheckId.ISSUER_KEY,
                                     "issuer_key.not_issuers_key"),
    "proof removed": (drop_the_proof, CheckId.ISSUER_KEY, "proof.missing"),
    "unknown @context": (add_an_unknown_context, CheckId.CONTEXT, "context.unknown"),
    "achievement missing": (drop_the_achievement, CheckId.SCHEMA, "schema.invalid"),
    "not JSON": (cut_the_json_short, CheckId.PARSE, "parse.not_json"),
    "arrays nested 100k deep": (nest_arrays_100k_deep, CheckId.PARSE, "parse.not_json"),
    "objects nested 100k deep": (nest_objects_100k_deep, CheckId.PARSE, "parse.not_json"),
    "not UTF-8": (send_invalid_utf8, CheckId.PARSE, "parse.not_json"),
    "a lone surrogate": (name_the_recipient_with_a_lone_surrogate, CheckId.PARSE, "parse.not_json"),
    "a JSON array": (send_a_json_array, CheckId.PARSE, "parse.not_object"),
}


@pytest.mark.parametrize(("mutation", "failed_check", "code"), HALTING_FAILURES.values(),
                         ids=HALTING_FAILURES.keys())
def test_verify_fails_exactly_the_changed_check_and_skips_every_later_one(
        issuer: Issuer, mutation: Mutation, failed_check: CheckId, code: str) -> None:
    report = verify(issuer, mutation(issuer), holder=EMAIL)
    failed_at = ORDER.index(failed_check)
    assert [check.id for check in report.checks] == ORDER
    assert outcomes(report) == {
        check_id: Outcome.PASSED if i < failed_at else Outcome.FAILED if i == failed_at else Outcome.SKIPPED
        for i, check_id in enumerate(ORDER)}
    assert report.check(failed_check).problem.code == code
    assert all(check.reason == f"skipped.after_{failed_check}" for check in report.checks[failed_at + 1:])
    assert not report.verified
    assert report.verdict == "not_genuine"


def test_unknown_context_failure_points_at_the_context(issuer: Issuer) -> None:
    problem = verify(issuer, add_an_unknown_context(issuer)).check(CheckId.CONTEXT).problem
    assert problem.path == "/@context/3"  # after the VC, OB and OB extensions contexts
    assert "https://contexts.example/evil/v1" in problem.detail


def test_schema_failure_points_at_the_subject_missing_its_achievement(issuer: Issuer) -> None:
    problem = verify(issuer, drop_the_achievement(issuer)).check(CheckId.SCHEMA).problem
    assert problem.path == "/credentialSubject"
    assert "achievement" in problem.detail


def test_a_credential_over_the_size_cap_is_not_parsed(issuer: Issuer) -> None:
    report = verify(issuer, b" " * 1_000_001)
    assert report.check(CheckId.PARSE).problem.code == "parse.too_large"
    assert report.credential is None


# --- documents whose processing would cost too much (issue 11) ------------------------------------

KNOWS = "https://example.org/knows"


def poison_graph(doc: JsonObject, nodes: int) -> JsonObject:
    """`doc` with `nodes` blank nodes that all link to each other: their RDFC-1.0 hashes all tie."""
    doc["credentialSubject"][KNOWS] = [{"id": f"_:b{i}", KNOWS: [{"id": f"_:b{j}"} for j in range(nodes) if j != i]}
                                       for i in range(nodes)]
    return doc


def with_achievement(doc: JsonObject, **extra: object) -> JsonObject:
    doc["credentialSubject"]["achievement"].update(extra)
    return doc


def alignments(n: int) -> list[JsonObject]:
    return [{"type": ["Alignment"], "targetName": f"NCS {i}", "targetUrl": f"https://ncs.example.kr/{i}"}
            for i in range(n)]


def test_a_poison_graph_of_blank_nodes_is_left_unchecked_not_labelled_for_a_minute(
        issuer: Issuer, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    hash_n_degree_quads = bounds.BoundedURDNA2015.hash_n_degree_quads
    monkeypatch.setattr(bounds.BoundedURDNA2015, "hash_n_degree_quads",
                        lambda self, *a: calls.append(1) or hash_n_degree_quads(self, *a))
    signed = issuer.sign(issuer.credential())
    report = verify(issuer, as_bytes(poison_graph(signed, 8)))
    proof = report.check(CheckId.PROOF)
    assert (proof.outcome, proof.problem.code) == (Outcome.UNKNOWN, "proof.too_complex")
    assert report.verdict == "unknown"
    assert len(calls) <= 2  # the budget stops it before the first permutations (7! of them, recursively)


@pytest.mark.parametrize(("extra", "path"), [
    ({"tag": [f"skill {i}" for i in range(10_000)]}, "/credentialSubject/achievement/tag"),
    ({"alignment": alignments(5_000)}, "/credentialSubject/achievement/alignment"),
    ({"tag": [f"skill {i}" for i in range(bounds.CREDENTIAL.array + 1)]}, "/credentialSubject/achievement/tag")],
    ids=["10,000 tags", "5,000 alignments", "one tag over the limit"])
def test_a_credential_over_the_shape_limits_fails_to_parse(issuer: Issuer, extra: JsonObject, path: str) -> None:
    report = verify(issuer, as_bytes(with_achievement(issuer.sign(issuer.credential()), **extra)))
    parse = report.check(CheckId.PARSE)
    assert (parse.outcome, parse.problem.code, parse.problem.path) == (Outcome.UNKNOWN, "parse.too_complex", path)
    assert outcomes(report)[CheckId.PROOF] is Outcome.SKIPPED


def test_a_credential_at_the_limits_of_tags_and_alignments_verifies(issuer: Issuer) -> None:
    unsigned = with_achievement(issuer.credential(), tag=[f"skill {i}" for i in range(bounds.CREDENTIAL.array)],
                                alignment=alignments(bounds.CREDENTIAL.objects - 20))
    report = verify(issuer, as_bytes(issuer.sign(unsigned)))
    assert report.verdict == "valid", report.checks


def test_a_status_list_over_the_shape_limits_leaves_status_unknown(issuer: Issuer) -> None:
    listed = issuer.resolver.status_lists[LIST_URL]
    listed["credentialSubject"]["tag"] = [str(i) for i in range(10_000)]
    report = verify(issuer, as_bytes(issuer.sign(issuer.credential())))
    check = report.check(CheckId.STATUS)
    assert (check.outcome, check.problem.code) == (Outcome.UNKNOWN, "status.list_unverifiable")
    assert "10,000 entries" in check.problem.detail


# --- failures that do not halt: validity and status ------------------------------------------------

def signed_expired(issuer: Issuer) -> bytes:
    return as_bytes(issuer.sign(issuer.credential(valid_from=ISSUED - timedelta(days=365),
                                                  valid_until=NOW - timedelta(days=1))))


def signed_not_yet_valid(issuer: Issuer) -> bytes:
    return as_bytes(issuer.sign(issuer.credential(valid_from=NOW + timedelta(days=30))))


def revoked(issuer: Issuer) -> bytes:
    status.set_bit(issuer.bits, INDEX, True)
    issuer.publish_list()
    return as_bytes(issuer.sign(issuer.credential()))


def suspended(issuer: Issuer) -> bytes:
    status.set_bit(issuer.bits, INDEX, True)
    issuer.publish_list(purpose="suspension")
    entry = status.status_entry(list_url=LIST_URL, index=INDEX, purpose="suspension")
    return as_bytes(issuer.sign(issuer.credential(credential_status=entry)))


NON_HALTING_FAILURES = {
    "validUntil in the past": (signed_expired, CheckId.VALIDITY, "validity.expired", "expired"),
    "validFrom in the future": (signed_not_yet_valid, CheckId.VALIDITY, "validity.not_yet_valid",
                                "not_yet_valid"),
    "revoked": (revoked, CheckId.STATUS, "status.revoked", "revoked"),
    "suspended": (suspended, CheckId.STATUS, "status.suspended", "suspended"),
}


@pytest.mark.parametrize(("mutation", "failed_check", "code", "verdict"), NON_HALTING_FAILURES.values(),
                         ids=NON_HALTING_FAILURES.keys())
def test_verify_fails_exactly_the_changed_check_and_still_runs_the_others(
        issuer: Issuer, mutation: Mutation, failed_check: CheckId, code: str, verdict: str) -> None:
    report = verify(issuer, mutation(issuer), holder=EMAIL)
    assert outcomes(report) == {check_id: Outcome.FAILED if check_id is failed_check else Outcome.PASSED
                                for check_id in ORDER}
    assert report.check(failed_check).problem.code == code
    assert not report.verified
    assert report.verdict == verdict


# --- status that cannot be decided is unknown, never passed ----------------------------------------

def unknown_status_type(issuer: Issuer) -> bytes:
    # a status method we do not implement (1EdTechRevocationList is checked: tests/badges/test_revocation_list.py)
    entry = {"id": "https://badges.example.kr/status/1", "type": "CredentialStatusList2017"}
    return as_bytes(issuer.sign(issuer.credential(credential_status=entry)))


def status_list_unreachable(issuer: Issuer) -> bytes:
    del issuer.resolver.status_lists[LIST_URL]
    return as_bytes(issuer.sign(issuer.credential()))


def status_list_with_a_broken_proof(issuer: Issuer) -> bytes:
    status.set_bit(issuer.bits, INDEX, True)  # a forged list that says "revoked" must not be believed either
    forged = issuer.publish_list()
    good = Issuer()
    forged["proof"] = good.publish_list()["proof"]  # the proof of the list *before* the bit was set
    return as_bytes(issuer.sign(issuer.credential()))


def status_list_signed_by_someone_else(issuer: Issuer) -> bytes:
    issuer.publish_list(signer=signer_for(key_from(2)))
    return as_bytes(issuer.sign(issuer.credential()))


def status_list_for_another_purpose(issuer: Issuer) -> bytes:
    issuer.publish_list(purpose="suspension")
    return as_bytes(issuer.sign(issuer.credential()))


def more_status_entries_than_purposes(issuer: Issuer) -> bytes:
    entries = [status.status_entry(list_url=LIST_URL, index=i) for i in range(checks.MAX_STATUS_ENTRIES + 1)]
    return as_bytes(issuer.sign(issuer.credential(credential_status=entries)))  # type: ignore[arg-type]


UNDECIDED_STATUS = {
    "unknown status type": (unknown_status_type, "status.type_unsupported"),
    "status list unreachable": (status_list_unreachable, "status.unreachable"),
    "status list with a broken proof": (status_list_with_a_broken_proof, "status.list_unverifiable"),
    "status list signed by another key": (status_list_signed_by_someone_else, "status.list_unverifiable"),
    "status list for another purpose": (status_list_for_another_purpose, "status.purpose_mismatch"),
    "more status entries than purposes": (more_status_entries_than_purposes, "status.too_many_entries"),
}


@pytest.mark.parametrize(("mutation", "code"), UNDECIDED_STATUS.values(), ids=UNDECIDED_STATUS.keys())
def test_verify_reports_status_unknown_never_passed_when_it_cannot_be_checked(
        issuer: Issuer, mutation: Mutation, code: str) -> None:
    report = verify(issuer, mutation(issuer), holder=EMAIL)
    assert outcomes(report) == {check_id: Outcome.UNKNOWN if check_id is CheckId.STATUS else Outcome.PASSED
                                for check_id in ORDER}
    assert report.check(CheckId.STATUS).problem.code == code
    assert not report.verified
    assert report.verdict == "unknown"


def test_a_status_list_of_another_issuer_is_no_evidence_of_status(issuer: Issuer) -> None:
    stranger = key_from(2)
    issuer.publish_list(signer=signer_for(stranger), issuer=dids.did_key(stranger.public_key()))
    report = verify(issuer, as_bytes(issuer.sign(issuer.credential())), holder=EMAIL)
    assert outcomes(report) == {check_id: Outcome.FAILED if check_id is CheckId.STATUS else Outcome.PASSED
                                for check_id in ORDER}
    assert report.check(CheckId.STATUS).problem.code == "status.foreign_list"
    assert report.verdict == "not_genuine"


def test_a_status_list_verified_once_is_not_trusted_once_changed(issuer: Issuer) -> None:
    raw = as_bytes(issuer.sign(issuer.credential()))
    assert verify(issuer, raw).verified  # the list's proof holds, and is remembered
    listed = issuer.resolver.status_lists[LIST_URL]
    bits = status.new_list()
    status.set_bit(bits, INDEX, True)  # the same proof on a list that now says "revoked"
    listed["credentialSubject"]["encodedList"] = status.encode_list(bits)

    report = verify(issuer, raw)

    assert report.check(CheckId.STATUS).outcome is Outcome.UNKNOWN
    assert report.check(CheckId.STATUS).problem.code == "status.list_unverifiable"


def test_a_credential_with_more_status_entries_than_purposes_makes_no_status_list_be_read(issuer: Issuer) -> None:
    asked: list[str] = []
    read = issuer.resolver.status_list
    issuer.resolver.status_list = lambda url: asked.append(url) or read(url)  # type: ignore[method-assign]
    report = verify(issuer, more_status_entries_than_purposes(issuer))
    assert report.check(CheckId.STATUS).problem.code == "status.too_many_entries"
    assert asked == []


def test_a_credential_with_a_revocation_and_a_suspension_entry_verifies(issuer: Issuer) -> None:
    issuer.publish_list()
    suspension_url = LIST_URL + "-suspension"
    unsigned = {k: v for k, v in issuer.resolver.status_lists[LIST_URL].items() if k != "proof"}
    unsigned["id"] = suspension_url
    unsigned["credentialSubject"] = status.status_list_subject(list_url=suspension_url, purpose="suspension",
                                                               bits=status.new_list())
    issuer.resolver.status_lists[suspension_url] = issuer.sign(unsigned)
    entries = [status.status_entry(list_url=LIST_URL, index=INDEX),
               status.status_entry(list_url=suspension_url, index=INDEX, purpose="suspension")]
    report = verify(issuer, as_bytes(issuer.sign(issuer.credential(credential_status=entries))))  # type: ignore[arg-type]
    assert report.verdict == "valid", report.checks


def test_status_lists_a_process_remembers_are_bounded_by_their_size(issuer: Issuer) -> None:
    """Lists that expand to the most status.decode_list allows (anyone can sign one with a did:key): the process
    keeps no more of them than checks.BITS_KEPT bytes, however many it has read."""
    entries = []
    for n in range(checks.MAX_STATUS_ENTRIES):
        url = f"{LIST_URL}/large/{n}"
        bits = bytearray(status.MAX_LIST_BYTES)
        bits[0] = n + 1  # a list of its own: none is remembered as another
        unsigned = {"@context": [model.VC_V2], "id": url, "issuer": issuer.did,
                    "type": ["VerifiableCredential", "BitstringStatusListCredential"],
                    "credentialSubject": status.status_list_subject(list_url=url, purpose="revocation", bits=bits)}
        issuer.resolver.status_lists[url] = issuer.sign(unsigned)
        entries.append(status.status_entry(list_url=url, index=INDEX))
    raw = as_bytes(issuer.sign(issuer.credential(credential_status=entries)))  # type: ignore[arg-type]

    tracemalloc.start()
    try:
        report = verify(issuer, raw)
        kept, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert report.verdict == "valid", report.checks
    assert checks.MAX_STATUS_ENTRIES * status.MAX_LIST_BYTES > checks.BITS_KEPT  # the lists do not all fit
    assert kept < checks.BITS_KEPT + 2 * 1024 * 1024


# --- the holder ------------------------------------------------------------------------------------

@pytest.mark.parametrize("holder", [EMAIL, "MinJun.Kim@Example.KR", "  minjun.kim@example.kr\n"],
                         ids=["same", "other case", "surrounding whitespace"])
def test_verify_passes_the_recipient_check_for_the_holders_email(issuer: Issuer, holder: str) -> None:
    report = verify(issuer, as_bytes(issuer.sign(issuer.credential())), holder=holder)
    assert report.check(CheckId.RECIPIENT).outcome is Outcome.PASSED
    assert report.verdict == "valid"


def test_verify_fails_the_recipient_check_for_another_email(issuer: Issuer) -> None:
    report = verify(issuer, as_bytes(issuer.sign(issuer.credential())), holder="seoyeon.lee@example.kr")
    assert outcomes(report) == {check_id: Outcome.FAILED if check_id is CheckId.RECIPIENT else Outcome.PASSED
                                for check_id in ORDER}
    assert report.check(CheckId.RECIPIENT).problem.code == "recipient.mismatch"
    assert not report.verified
    assert report.verdict == "not_recipient"


def test_the_credential_never_shows_the_recipients_email(issuer: Issuer) -> None:
    raw = as_bytes(issuer.sign(issuer.credential()))
    assert EMAIL.encode() not in raw.lower()


def test_report_as_json_lists_every_check_with_its_problem(issuer: Issuer) -> None:
    body = verify(issuer, revoked(issuer)).as_json()
    assert (body["verified"], body["verdict"], body["checkedAt"]) == (False, "revoked", "2026-03-10T12:00:00Z")
    assert [c["id"] for c in body["checks"]] == [str(c) for c in ORDER]
    status_check: dict[str, Any] = next(c for c in body["checks"] if c["id"] == "status")
    assert status_check["outcome"] == "failed"
    assert status_check["problem"]["code"] == "status.revoked"


# --- status list credentials shaped in other legal ways ---------------------------------------------

def test_a_status_list_credential_without_valid_from_is_still_checked(issuer: Issuer) -> None:
    # VC 2.0 makes validFrom optional, and Bitstring Status List does not require it either.
    unsigned = {k: v for k, v in issuer.publish_list().items() if k not in ("proof", "validFrom")}
    issuer.resolver.status_lists[LIST_URL] = issuer.sign(unsigned)
    report = verify(issuer, as_bytes(issuer.sign(issuer.credential())))
    assert report.check(CheckId.STATUS).outcome is Outcome.PASSED


def test_a_status_list_whose_subject_is_not_an_object_leaves_status_unknown(issuer: Issuer) -> None:
    unsigned = {k: v for k, v in issuer.publish_list().items() if k != "proof"}
    unsigned["credentialSubject"] = [unsigned["credentialSubject"]]
    issuer.resolver.status_lists[LIST_URL] = issuer.sign(unsigned)
    report = verify(issuer, as_bytes(issuer.sign(issuer.credential())))
    assert report.check(CheckId.STATUS).outcome is Outcome.UNKNOWN
    assert report.verdict == "unknown"
