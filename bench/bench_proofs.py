"""Credentials signed and verified per second: our Python eddsa-rdfc-2022 against the JavaScript reference.

Run `python bench/bench_proofs.py [--seconds S] [--rounds N]`. Both sides run on one CPU core and sign a
typical OB 3.0 credential (ours a new recipient each time, the reference the same one) and verify it the same
way (resolve the did:key, check the key is an assertion method, verify the proof); status lists are fetched by
neither. A third figure is ours alone: the whole verification pipeline (parse, contexts, schema, the did:web
issuer's key, proof, validity, revocation and suspension status) as an employer's check runs it, over 1,000
credentials of one issuer (each its own recipient, status indexes and signing instant, so its own proof
configuration: more than the configuration cache holds), the DID document and the
signed status lists coming from the resolver's cache after a first fetch from a server on loopback.
Each figure is the median of N rounds of S seconds. Targets (issue 6): signing at least 3,000/s and 15 times the
reference; the whole verification at least 2,000/s.
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
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

import schemas
from badges import dids, model, multikey, proofs, status
from badges.fetch import FetchPolicy
from badges.jsonld import JsonObject
from badges.resolve import HttpResolver
from badges.verify import verify_credential

INTEROP = Path(__file__).resolve().parents[1] / "interop"
WARM_UP = 10
DISTINCT = 1000  # credentials the whole-verification figure cycles through (each its own recipient and instant,
# more than the proof-configuration cache holds, so each proof configuration is canonicalized as well)


@dataclass(frozen=True, slots=True)
class Rates:
    signs: float
    verifies: float
    pipeline: float | None = None  # whole verifications per second (ours only)


def typical_credential(issuer: str, issued: datetime, *, statuses: list[JsonObject] | None = None,
                       recipient: model.Recipient | None = None) -> JsonObject:
    """An OB 3.0 credential as the issuer service makes one: profile, achievement, hashed e-mail, status."""
    return model.achievement_credential(
        credential_id="urn:uuid:0b6f3c2e-8d4a-4e1b-9c7f-5a2d1e3b4c6f",
        issuer=model.profile(did=issuer, name="한국 디지털 아카데미", url="https://academy.example.kr",
                             image="https://academy.example.kr/logo.png"),
        achievement=model.achievement(
            achievement_id="https://academy.example.kr/achievements/data-analysis",
            name="데이터 분석 입문 과정 수료", description="파이썬으로 데이터를 정리하고 시각화하는 8주 과정",
            criteria="출석 80% 이상, 모든 과제 제출, 최종 프로젝트 통과",
            image="https://academy.example.kr/achievements/data-analysis.png"),
        recipient=recipient or model.Recipient("김서연", "seoyeon.kim@example.kr"), valid_from=issued,
        status=statuses or {"id": "https://academy.example.kr/status/1#4021", "type": "BitstringStatusListEntry",
                            "statusPurpose": "revocation", "statusListIndex": "4021",
                            "statusListCredential": "https://academy.example.kr/status/1"})


def median_rate(operation: Callable[[], object], *, seconds: float, rounds: int) -> float:
    """Median over `rounds` of how many times per second `operation` completes in `seconds`."""
    for _ in range(WARM_UP):
        operation()
    rates = []
    for _ in range(rounds):
        count, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            operation()
            count += 1
        rates.append(count / elapsed)
    return statistics.median(rates)


def python_rates(doc: JsonObject, key: Ed25519PrivateKey, *, seconds: float, rounds: int) -> Rates:
    """Our `badges.proofs` signing and verifying `doc`."""
    issuer = dids.did_key(key.public_key())
    signer = proofs.Ed25519Signer(key, dids.did_key_method(issuer))
    now = datetime.now(UTC)
    signed = proofs.sign(doc, signer=signer, created=now)

    def verify() -> None:
        method = signed["proof"]["verificationMethod"]
        document = dids.did_key_document(method.split("#", 1)[0])
        proofs.verify_proof(signed, public_key=dids.assertion_key(document, method))

    names = iter(range(10**9))

    def sign_fresh() -> None:  # a new recipient (name, e-mail, salt) each time, as in a cohort
        n = next(names)
        fresh = {**doc, "credentialSubject": {**doc["credentialSubject"], "name": f"수강생 {n}", "identifier": [
            model.Recipient(f"수강생 {n}", f"learner{n}@example.kr").identity_object()]}}
        proofs.sign(fresh, signer=signer, created=now)

    return Rates(signs=median_rate(sign_fresh, seconds=seconds, rounds=rounds),
                 verifies=median_rate(verify, seconds=seconds, rounds=rounds),
                 pipeline=pipeline_rate(key, seconds=seconds, rounds=rounds))


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


def pipeline_rate(key: Ed25519PrivateKey, *, seconds: float, rounds: int) -> float:
    """Whole verifications per second of a did:web issuer's credential with revocation and suspension entries;
    the DID document and both signed status lists come from HttpResolver's cache after their first fetch."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Documents)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    did = f"did:web:{quote(f'127.0.0.1:{server.server_port}')}"
    signer = proofs.Ed25519Signer(key, f"{did}#key-1")
    now = datetime.now(UTC)
    _Documents.documents = {"/.well-known/did.json": json.dumps(dids.did_document(
        did, [("key-1", multikey.public_multikey(key.public_key()))])).encode()}
    entries = []
    for number, purpose in enumerate(("revocation", "suspension"), start=1):
        url = f"{base}/status/{number}"
        _Documents.documents[f"/status/{number}"] = json.dumps(proofs.sign({
            "@context": [model.VC_V2], "id": url, "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": did, "validFrom": proofs.xsd_datetime(now - timedelta(days=1)),
            "credentialSubject": status.status_list_subject(list_url=url, purpose=purpose, bits=status.new_list())},
            signer=signer, created=now)).encode()
        entries.append(status.status_entry(list_url=url, index=4021 * number, purpose=purpose))
    credentials = itertools.cycle([json.dumps(proofs.sign(typical_credential(
        did, now - timedelta(days=1), recipient=model.Recipient(f"수강생 {n}", f"learner{n}@example.kr"),
        statuses=[status.status_entry(list_url=e["statusListCredential"], index=int(e["statusListIndex"]) + n,
                                      purpose=e["statusPurpose"]) for e in entries]),
        signer=signer, created=now - timedelta(seconds=n)), ensure_ascii=False).encode() for n in range(DISTINCT)])
    resolver = HttpResolver(FetchPolicy(allow_http=True, allow_private=True), did_web_scheme="http")

    def verify() -> None:
        report = verify_credential(next(credentials), resolve=resolver, now=now)
        if not report.verified:
            raise AssertionError(f"the benchmark credential did not verify: {report.as_json()}")

    try:
        return median_rate(verify, seconds=seconds, rounds=rounds)
    finally:
        server.shutdown()


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


def main(argv: Sequence[str] | None = None) -> None:
    """Measure both implementations and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one round (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per figure; the median is shown (default 3)")
    args = parser.parse_args(argv)
    pinned = pin_to_one_core()
    key = Ed25519PrivateKey.generate()
    doc = typical_credential(dids.did_key(key.public_key()), datetime.now(UTC))
    print(f"OB 3.0 credential, DataIntegrityProof eddsa-rdfc-2022, did:key issuer; {pinned}; "
          f"median of {args.rounds} x {args.seconds:g} s")
    print(f"Python {platform.python_version()} (pyld {metadata.version('pyld')}, "
          f"cryptography {metadata.version('cryptography')}), node {node_version()}\n")
    python = python_rates(doc, key, seconds=args.seconds, rounds=args.rounds)
    javascript = javascript_rates(doc, key, seconds=args.seconds, rounds=args.rounds)
    print_table(python, javascript)


if __name__ == "__main__":
    main()
