"""Credentials signed and verified per second: our Python eddsa-rdfc-2022 against the JavaScript reference.

Run `python bench/bench_proofs.py [--seconds S] [--rounds N]`. The credentials are the ones the service makes:
issuer.service.sign_and_store issues 1,000 (one organisation, one course, each its own recipient, id, salt and
status index) on a throw-away SQLite database, so they carry what every issued credential carries (three contexts,
`credentialSchema`, the issuer Profile twice: as `issuer` and as the achievement's `creator`). Both sides run on
one CPU core and sign such a credential (ours each of the 1,000 in turn, the reference the first one) and verify
it the same way (resolve the did:key, check the key is an assertion method, verify the proof); status lists are
fetched by neither. A third figure is ours alone: the whole verification pipeline (parse, contexts, schema, the
did:web issuer's key, proof, validity, revocation status) as an employer's check runs it, over the 1,000 credentials
as the organisation's key signed them (each its own proof configuration, whose `created` differs: more than the
configuration cache holds), the DID document and the signed status list coming from the resolver's cache after a
first fetch from a server on loopback that serves what the service published.
Each figure is the median of N rounds of S seconds, by wall time and by this process's CPU time (on a shared machine
the second is what one core gives). Targets (issue 6): signing at least 3,000/s and 15 times the reference; the
whole verification at least 2,000/s; (issue 17) signing at least 8,000/s on one core.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from typing import ClassVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import select

import keys
import schemas
from badges import dids, model, multikey, proofs
from badges.fetch import FetchPolicy
from badges.jsonld import JsonObject
from badges.resolve import HttpResolver
from badges.verify import verify_credential
from bootstrap.wiring import build_services
from issuer import awards, service
from issuer.service import AchievementIn, Award
from store.db import transaction, upgrade
from store.models import StatusList
from store.orgs import did_document
from web.settings import Settings

INTEROP = Path(__file__).resolve().parents[1] / "interop"
WARM_UP = 10
DISTINCT = 1000  # credentials the whole-verification figure cycles through (each its own recipient and instant,
# more than the proof-configuration cache holds, so each proof configuration is canonicalized as well)


@dataclass(frozen=True, slots=True)
class Rates:
    signs: float
    verifies: float
    pipeline: float | None = None  # whole verifications per second (ours only)
    ed25519: float | None = None  # Ed25519 signatures of 64 bytes per second alone (ours only): the machine's speed
    cpu: Rates | None = None  # the same per second of CPU time (ours only; the reference measures wall time)


@dataclass(frozen=True, slots=True)
class Issued:
    """What the service made: its signed credentials, and what it publishes (URL path -> JSON) for a verifier."""

    credentials: list[JsonObject]
    published: dict[str, bytes]


def service_credentials(base_url: str, count: int, now: datetime) -> Issued:
    """`count` credentials issued through issuer.service.sign_and_store (the one signing path) by an organisation
    of the service at `base_url`, on a throw-away SQLite database: one course, one batch, each its own recipient;
    each signed again by the organisation at its own instant (as if issued in batches of their own)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        upgrade(url)
        svc = build_services(Settings(database_url=url, secret_key="bench", key_encryption_key=keys.new_kek(),
                                      public_base_url=base_url, instance_dir=Path(tmp)))
        with transaction(svc.sessions) as session:
            org = service.create_org(session, svc.issuing, slug="academy", name_ko="한국 디지털 아카데미",
                                     name_en="Korea Digital Academy", url="https://academy.example.kr",
                                     email="contact@academy.example.kr", now=now - timedelta(days=30))
            course = service.create_achievement(session, org=org, now=now - timedelta(days=30), data=AchievementIn(
                name_ko="데이터 분석 입문 과정 수료", name_en="Introduction to data analysis",
                description_ko="파이썬으로 데이터를 정리하고 시각화하는 8주 과정",
                description_en="Eight weeks of cleaning and plotting data with Python",
                criteria_ko="출석 80% 이상, 모든 과제 제출, 최종 프로젝트 통과",
                criteria_en="80% attendance, every assignment, a passed final project", valid_months=24, hours=40))
            batch = []
            for n in range(count):
                email, completed = f"learner{n}@example.kr", (now - timedelta(days=1 + n % 5)).date()
                batch.append((Award(model.Recipient(f"수강생 {n}", email, publish_name=n % 3 == 0),
                                    completed=awards.completion_instant(completed)),
                              awards.award_key(svc.issuing, course_public_id=course.public_id, email=email,
                                               completed=completed)))
            stored = service.sign_and_store(session, svc.issuing, org=org, achievement=course,
                                            version=course.versions[-1], awards=batch, now=now)
            # one batch shares its proof configuration; a verifier sees credentials of many batches: each is signed
            # again by the organisation's key at its own instant, so each has its own configuration to canonicalize
            signer = service.signer(svc.issuing, org)
            credentials = [proofs.sign({k: v for k, v in json.loads(credential.document).items() if k != "proof"},
                                       signer=signer, created=now - timedelta(seconds=n))
                           for n, credential in enumerate(stored)]
            published = {f"/orgs/{org.slug}/did.json": json.dumps(did_document(org)).encode()}
            for listed in session.scalars(select(StatusList).where(StatusList.org_id == org.id)):
                published[f"/orgs/{org.slug}/status/{listed.id}"] = listed.document or b""
        svc.engine.dispose()
    return Issued(credentials, published)


def median_rate(operation: Callable[[], object], *, seconds: float, rounds: int) -> float:
    """Median over `rounds` of how many times per second `operation` completes in `seconds` (wall time); the
    median per second of this process's CPU time goes to CPU_RATES (what one core gives when others share it)."""
    for _ in range(WARM_UP):
        operation()
    rates, cpu_rates = [], []
    for _ in range(rounds):
        count, start, cpu = 0, time.perf_counter(), time.process_time()
        while (elapsed := time.perf_counter() - start) < seconds:
            operation()
            count += 1
        rates.append(count / elapsed)
        cpu_rates.append(count / max(time.process_time() - cpu, 1e-9))
    CPU_RATES.append(statistics.median(cpu_rates))
    return statistics.median(rates)


CPU_RATES: list[float] = []  # per CPU second, in the order median_rate measured them


def reissued(doc: JsonObject, did: str) -> JsonObject:
    """`doc` without its proof, its issuer (both as `issuer` and as the achievement's `creator`) being `did`: what
    the did:key signer may sign (the reference refuses an issuer that is not the key's controller)."""
    unsigned = json.loads(json.dumps({k: v for k, v in doc.items() if k != "proof"}))
    unsigned["issuer"]["id"] = unsigned["credentialSubject"]["achievement"]["creator"]["id"] = did
    return unsigned


def as_built(docs: list[JsonObject]) -> list[JsonObject]:
    """`docs` (read back from JSON, each its own objects) holding one issuer Profile and one Achievement object
    between them, as the documents sign_and_store builds and signs do (model.achievement_credential is handed the
    same `issuer` and `achievement` for the whole batch)."""
    first = docs[0]
    for doc in docs:
        if doc["issuer"] == first["issuer"]:
            doc["issuer"] = first["issuer"]
        if doc["credentialSubject"]["achievement"] == first["credentialSubject"]["achievement"]:
            doc["credentialSubject"]["achievement"] = first["credentialSubject"]["achievement"]
    return docs


def python_rates(issued: Issued, key: Ed25519PrivateKey, *, seconds: float, rounds: int) -> Rates:
    """Our `badges.proofs` signing the service's credentials (each in turn, as a batch signs them at one instant)
    and verifying one of them, with a did:key as the reference does; then the whole verification pipeline."""
    issuer = dids.did_key(key.public_key())
    signer = proofs.Ed25519Signer(key, dids.did_key_method(issuer))
    now = datetime.now(UTC)
    unsigned = itertools.cycle(as_built([reissued(doc, issuer) for doc in issued.credentials]))
    signed = proofs.sign(next(unsigned), signer=signer, created=now)

    def verify() -> None:
        method = signed["proof"]["verificationMethod"]
        document = dids.did_key_document(method.split("#", 1)[0])
        proofs.verify_proof(signed, public_key=dids.assertion_key(document, method))

    def sign() -> None:
        proofs.sign(next(unsigned), signer=signer, created=now)

    CPU_RATES.clear()
    rates = Rates(signs=median_rate(sign, seconds=seconds, rounds=rounds),
                  verifies=median_rate(verify, seconds=seconds, rounds=rounds),
                  pipeline=pipeline_rate(issued, seconds=seconds, rounds=rounds),
                  ed25519=median_rate(lambda: signer.sign(bytes(64)), seconds=seconds, rounds=rounds))
    signs, verifies, pipeline, ed25519 = CPU_RATES
    return replace(rates, cpu=Rates(signs, verifies, pipeline, ed25519))


class _Documents(BaseHTTPRequestHandler):
    """Serves `documents` (path -> JSON) on loopback, like an issuer's web server."""

    documents: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        body = self.documents.get(self.path)
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args: object) -> None:
        pass


class Loopback:
    """A web server on loopback serving `_Documents.documents`, like an issuer's; its base URL."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Documents)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def pipeline_rate(issued: Issued, *, seconds: float, rounds: int) -> float:
    """Whole verifications per second of the service's credentials (did:web issuer, revocation entry); the DID
    document and the signed status list come from HttpResolver's cache after their first fetch."""
    _Documents.documents = issued.published
    credentials = itertools.cycle([json.dumps(doc, ensure_ascii=False).encode() for doc in issued.credentials])
    resolver = HttpResolver(FetchPolicy(allow_http=True, allow_private=True), did_web_scheme="http")
    now = datetime.now(UTC)

    def verify() -> None:
        report = verify_credential(next(credentials), resolve=resolver, now=now)
        if not report.verified:
            raise AssertionError(f"the benchmark credential did not verify: {report.as_json()}")

    return median_rate(verify, seconds=seconds, rounds=rounds)


def javascript_rates(doc: JsonObject, key: Ed25519PrivateKey, *, seconds: float, rounds: int) -> Rates | str:
    """The reference stack's rates measured inside node, or why it could not run."""
    node = shutil.which("node")
    if node is None:
        return "node is not installed"
    if not (INTEROP / "node_modules").is_dir():
        return "interop/node_modules is missing: run `npm ci --prefix interop`"
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    request = {"mode": "bench", "credential": doc, "seconds": seconds, "rounds": rounds,
               "documents": {url: schemas.context(url) for url in schemas.CONTEXT_FILES},
               "publicKeyMultibase": multikey.public_multikey(key.public_key()),
               "secretKeyMultibase": multikey.private_multikey(seed)}
    done = subprocess.run([node, str(INTEROP / "vc.mjs")], input=json.dumps(request), capture_output=True,
                          text=True, timeout=60 + 4 * seconds * rounds, check=False)
    if done.returncode != 0:
        return f"vc.mjs failed: {done.stderr.strip().splitlines()[0]}"
    answer = json.loads(done.stdout)
    return Rates(signs=answer["signsPerSecond"], verifies=answer["verifiesPerSecond"])


def pin_to_one_core() -> str:
    """Restrict this process (and node, which inherits it) to one CPU; says which."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity here)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def node_version() -> str:
    """`node --version`, or a dash when node is missing."""
    node = shutil.which("node")
    if node is None:
        return "-"
    return subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()


def print_table(python: Rates, javascript: Rates | str) -> None:
    """The figures as an aligned table, plus the JavaScript / Python ratio."""
    rows = [("Python (badges.proofs + badges.rdfc)", f"{python.signs:,.1f}", f"{python.verifies:,.1f}")]
    if python.pipeline is not None:
        rows.append(("Python, whole verification (badges.verify)", "-", f"{python.pipeline:,.1f}"))
    if python.ed25519 is not None:
        rows.append(("Ed25519 signature alone (cryptography)", f"{python.ed25519:,.1f}", "-"))
    if python.cpu is not None:
        rows.append(("Python per CPU second: signed, verified", f"{python.cpu.signs:,.1f}", f"{python.cpu.verifies:,.1f}"))
        rows.append(("  Ed25519 alone; whole verification", f"{python.cpu.ed25519 or 0:,.1f}",
                     f"{python.cpu.pipeline or 0:,.1f}"))
    if isinstance(javascript, Rates):
        rows.append(("JavaScript reference (vc 7.3.0)", f"{javascript.signs:,.1f}", f"{javascript.verifies:,.1f}"))
        rows.append(("ratio JavaScript / Python", f"{javascript.signs / python.signs:.2f}x",
                     f"{javascript.verifies / python.verifies:.2f}x"))
    header = ("implementation", "signed / s", "verified / s")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    line = "  ".join("-" * w for w in widths)
    print(f"{header[0]:<{widths[0]}}  {header[1]:>{widths[1]}}  {header[2]:>{widths[2]}}")
    print(line)
    for name, signs, verifies in rows:
        print(f"{name:<{widths[0]}}  {signs:>{widths[1]}}  {verifies:>{widths[2]}}")
    if isinstance(javascript, str):
        print(f"(JavaScript reference not measured: {javascript})")
    else:
        ratio = python.signs / javascript.signs
        print(f"\nsigning target: >= 3,000/s and >= 15x the reference: {python.signs:,.0f}/s, {ratio:.1f}x -> "
              f"{'met' if python.signs >= 3000 and ratio >= 15 else 'NOT met'}")
    if python.pipeline is not None:
        print(f"whole verification target: >= 2,000/s: {python.pipeline:,.0f}/s -> "
              f"{'met' if python.pipeline >= 2000 else 'NOT met'}")
    if python.cpu is not None:
        print(f"signing target (issue 17): >= 8,000/s on one core: {python.signs:,.0f}/s wall, "
              f"{python.cpu.signs:,.0f}/s per CPU second -> {'met' if python.cpu.signs >= 8000 else 'NOT met'}")


def main(argv: Sequence[str] | None = None) -> None:
    """Measure both implementations and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one round (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per figure; the median is shown (default 3)")
    args = parser.parse_args(argv)
    pinned = pin_to_one_core()
    key = Ed25519PrivateKey.generate()
    loopback = Loopback()
    try:
        issued = service_credentials(loopback.base_url, DISTINCT, datetime.now(UTC) - timedelta(hours=1))
        print(f"{DISTINCT:,} OB 3.0 credentials made by issuer.service.sign_and_store, DataIntegrityProof "
              f"eddsa-rdfc-2022; {pinned}; median of {args.rounds} x {args.seconds:g} s")
        print(f"Python {platform.python_version()} (pyld {metadata.version('pyld')}, "
              f"cryptography {metadata.version('cryptography')}), node {node_version()}\n")
        python = python_rates(issued, key, seconds=args.seconds, rounds=args.rounds)
    finally:
        loopback.close()
    unsigned = reissued(issued.credentials[0], dids.did_key(key.public_key()))
    javascript = javascript_rates(unsigned, key, seconds=args.seconds, rounds=args.rounds)
    print_table(python, javascript)


if __name__ == "__main__":
    main()
