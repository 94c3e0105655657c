"""What one hostile verification costs: CPU time and verdict for each input of a hostile set (issue 11).

Run `python bench/bench_hostile.py [--timeout S] [--only TEXT]`. Each case runs in a fresh process (so it meets
a canonicalizer that has never seen its shape, as an attacker's new document does) through the whole
verification pipeline (badges.verify, or badges.baking first for an image), and prints the CPU time
(time.process_time) of that one verification, the verdict and the first check that did not pass. A case still
running after --timeout seconds of wall time is stopped and shown as such. Goal: no case over 50 ms.
"""
from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from badges import baking, dids, model, multikey
from badges.errors import BadgeError
from badges.jsonld import JsonObject
from badges.report import CheckUndecided
from badges.verify import verify_credential

NOW = datetime(2026, 3, 10, tzinfo=UTC)
KEY = Ed25519PrivateKey.from_private_bytes(b"\x01" * 32)
DID = dids.did_key(KEY.public_key())
KNOWS = "https://example.org/knows"
GOAL_S = 0.050


class NoNetwork:
    """A resolver that reaches nothing: the cases use did:key issuers and carry no status."""

    def did_document(self, did: str) -> JsonObject:
        raise CheckUndecided("about:blank", "issuer_key.unresolvable", did)

    def status_list(self, url: str) -> JsonObject:
        raise CheckUndecided("about:blank", "status.unreachable", url)

    def document(self, url: str) -> JsonObject:
        raise CheckUndecided("about:blank", "fetch.unreachable", url)


def credential(**subject: Any) -> JsonObject:
    """A typical credential of a did:key issuer with a well-formed (wrong) signature; `subject` adds to the
    credentialSubject, `achievement` keys to its achievement."""
    doc = model.achievement_credential(
        credential_id="urn:uuid:0b6f3c2e-8d4a-4e1b-9c7f-5a2d1e3b4c6f",
        issuer=model.profile(did=DID, name="한국 디지털 아카데미", url="https://academy.example.kr"),
        achievement=model.achievement(achievement_id="https://academy.example.kr/achievements/data",
                                      name="데이터 분석", description="8주 과정", criteria="모든 과제 제출"),
        recipient=model.Recipient("김서연", "seoyeon.kim@example.kr", salt="b6f1c2a9d3e4f507"), valid_from=NOW)
    doc["credentialSubject"]["achievement"].update(subject.pop("achievement", {}))
    doc["credentialSubject"].update(subject)
    doc["proof"] = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "created": "2026-03-01T00:00:00Z",
                    "verificationMethod": dids.did_key_method(DID), "proofPurpose": "assertionMethod",
                    "proofValue": multikey.encode_base58btc(bytes(64))}
    return doc


def poison(n: int) -> JsonObject:
    """n blank nodes, each linking to every other: their hashes all tie (RDFC-1.0's poison graph)."""
    return credential(**{KNOWS: [{"id": f"_:b{i}", KNOWS: [{"id": f"_:b{j}"} for j in range(n) if j != i]}
                                 for i in range(n)]})


def alignments(n: int) -> JsonObject:
    return credential(achievement={"alignment": [
        {"type": ["Alignment"], "targetName": f"NCS {i}", "targetUrl": f"https://ncs.example.kr/{i}"}
        for i in range(n)]})


def nested(depth: int) -> bytes:
    """A credential with objects nested `depth` deep in its subject (as text: json.dumps recurses)."""
    text = as_json(credential(**{KNOWS: "NESTED"}))
    return text.replace(b'"NESTED"', f'{{"{KNOWS}": '.encode() * depth + b'"end"' + b"}" * depth)


def spelled(spellings: int, tags: int) -> JsonObject:
    """One property of one object under several terms of an inline context, each with its own tags."""
    context = {f"t{i}": "https://example.org/tag" for i in range(spellings)}
    doc = credential(**{KNOWS: {f"t{i}": [f"v{i}-{j}" for j in range(tags)] for i in range(spellings)}})
    doc["@context"] = [*doc["@context"], context]
    return doc


def merged(objects: int, tags: int) -> JsonObject:
    """Many objects naming one node, each with its own tags: pyld merges them into one long list."""
    return credential(**{KNOWS: [{"id": "https://example.org/n", "https://example.org/tag": [
        f"t{i}-{j}" for j in range(tags)]} for i in range(objects)]})


def aliased(objects: int, tags: int) -> JsonObject:
    """merged(), with the node's id under a term an inline context aliases to @id."""
    doc = merged(objects, tags)
    doc["@context"] = [*doc["@context"], {"nid": "@id"}]
    doc["credentialSubject"][KNOWS] = [{"nid": o.pop("id"), **o} for o in doc["credentialSubject"][KNOWS]]
    return doc


def inline_contexts(n: int, terms: int) -> JsonObject:
    """n objects, each with its own inline context of `terms` terms."""
    return credential(**{KNOWS: [{"@context": {f"t{j}": f"https://example.org/t{j}" for j in range(terms)},
                                  "t0": f"v{i}"} for i in range(n)]})


def png_of_chunks(n: int) -> bytes:
    """A tiny PNG with `n` empty private chunks before its image data (each CRC-checked when read)."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, format="PNG")
    image = baking.bake_png(out.getvalue(), as_json(credential()).decode())
    empty = baking._chunk_bytes(b"prVt", b"")
    return image[:33] + empty * n + image[33:]


def deep_svg(depth: int) -> bytes:
    return b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g>" * depth + b"</g>" * depth + b"</svg>"


def as_json(doc: JsonObject) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


CASES: dict[str, Callable[[], bytes]] = {
    "typical credential": lambda: as_json(credential()),
    **{f"poison graph of {n} blank nodes": (lambda n=n: as_json(poison(n))) for n in (6, 7, 8, 10, 12)},
    "10,000 tags": lambda: as_json(credential(achievement={"tag": [f"skill {i}" for i in range(10_000)]})),
    "100 tags (the limit)": lambda: as_json(credential(achievement={"tag": [f"skill {i}" for i in range(100)]})),
    "5,000 alignments": lambda: as_json(alignments(5_000)),
    "72 alignments (80 objects in all: the limit)": lambda: as_json(alignments(72)),
    "100 alignments": lambda: as_json(alignments(100)),
    "190 alignments in two arrays": lambda: as_json(credential(
        achievement={"alignment": alignments(95)["credentialSubject"]["achievement"]["alignment"],
                     "related": alignments(95)["credentialSubject"]["achievement"]["alignment"]})),
    "10,000 ids of blank nodes": lambda: as_json(credential(**{KNOWS: [{"id": f"_:n{i}"} for i in range(10_000)]})),
    "100 relative ids (each pinned)": lambda: as_json(credential(**{KNOWS: [{"id": f"n{i}"} for i in range(100)]})),
    "nested 28 deep": lambda: nested(24),
    "nested 100 deep": lambda: nested(96),
    "nested 5,000 deep": lambda: nested(5_000),
    "a 900 KB name": lambda: as_json(credential(name="가" * 300_000)),
    "99 copies of the VC context": lambda: as_json({**credential(), "@context": [model.VC_V2] * 98 + [model.OB_V3]}),
    "1,000 copies of the VC context": lambda: as_json({**credential(),
                                                       "@context": [model.VC_V2] * 999 + [model.OB_V3]}),
    "4 copies of the VC context in one list (the limit)": lambda: as_json({**credential(),
                                                                           "@context": [model.VC_V2] * 3 + [model.OB_V3]}),
    "12 copies of the VC context in one list": lambda: as_json({**credential(),
                                                                "@context": [model.VC_V2] * 11 + [model.OB_V3]}),
    "3 embedded endorsements, 3 contexts each (12 in all: the limit)": lambda: as_json(credential(achievement={
        "endorsement": [
        {"@context": [model.VC_V2, model.OB_V3, model.OB_EXTENSIONS], "id": f"urn:uuid:{i}",
         "type": ["VerifiableCredential", "EndorsementCredential"],
         "issuer": {"id": "https://endorser.example", "type": ["Profile"], "name": "e"},
         "validFrom": "2026-01-01T00:00:00Z",
         "credentialSubject": {"id": "https://badges.example/c/1", "type": ["EndorsementSubject"]}}
        for i in range(3)]})),
    "2 embedded objects with 4 copies of the VC context each, 4 at the top": lambda: as_json(credential(
        achievement={"endorsement": [{"@context": [model.VC_V2] * 3 + [model.OB_V3], "id": f"urn:uuid:{i}",
                                      "type": ["VerifiableCredential", "EndorsementCredential"]} for i in range(2)]},
    ) | {"@context": [model.VC_V2] * 3 + [model.OB_V3]}),
    "40 inline contexts of 20 terms": lambda: as_json(inline_contexts(40, 20)),
    "one node in 100 objects of 100 tags": lambda: as_json(merged(100, 100)),
    "one node in 10 objects of 90 tags, id aliased": lambda: as_json(aliased(10, 90)),
    "one property spelled 10 ways, 90 tags each": lambda: as_json(spelled(10, 90)),
    "one property spelled 2 ways, 100 tags each": lambda: as_json(credential(achievement={
        "tag": [f"a{i}" for i in range(100)],
        "https://purl.imsglobal.org/spec/vc/ob/vocab.html#tag": [f"b{i}" for i in range(100)]})),
    "a PNG of 100,000 empty chunks": lambda: png_of_chunks(100_000),
    "SVG nested 100,000 deep": lambda: deep_svg(100_000),
}


def verify_once(name: str, out: Any) -> None:
    """Child process: build the case, then time one verification of it (extraction first for an image)."""
    raw = CASES[name]()
    verify_credential(as_json(credential()), resolve=NoNetwork(), now=NOW)  # contexts loaded, as in a server
    start = time.process_time()
    try:
        text = baking.extract_credential(raw) if raw.startswith((b"<", baking.PNG_SIGNATURE)) else raw
        report = verify_credential(text, resolve=NoNetwork(), now=NOW)
        first = next((c for c in report.checks if c.outcome in ("failed", "unknown")), None)
        verdict = f"{report.verdict}: {first.id} {first.outcome} {first.problem.code if first.problem else ''}" \
            if first else str(report.verdict)
    except BadgeError as e:
        verdict = f"refused: {e.code}"
    except Exception as e:  # noqa: BLE001 (a crash is a finding: the API would answer 500)
        verdict = f"CRASH {type(e).__name__}"
    out.send((time.process_time() - start, len(raw), verdict))


def run_case(name: str, timeout: float) -> tuple[float | None, int, str]:
    """(CPU seconds or None if stopped, input bytes, verdict) of one case in a fresh process."""
    receive, send = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.Process(target=verify_once, args=(name, send))
    child.start()
    if receive.poll(timeout):
        result = receive.recv()
        child.join()
        return result
    child.kill()
    child.join()
    return None, 0, f"stopped after {timeout:g} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=60.0, help="wall seconds before a case is stopped")
    parser.add_argument("--only", default="", help="run only the cases whose name contains this text")
    args = parser.parse_args()
    worst: tuple[float, str] = (0.0, "")
    print(f"{'case':<48} {'bytes':>9} {'CPU ms':>9}  verdict")
    for name in CASES:
        if args.only not in name:
            continue
        seconds, size, verdict = run_case(name, args.timeout)
        shown = f">{args.timeout * 1000:,.0f}" if seconds is None else f"{seconds * 1000:,.1f}"
        print(f"{name:<48} {size:>9,} {shown:>9}  {verdict}", flush=True)
        cost = args.timeout if seconds is None else seconds
        if name != "typical credential" and cost > worst[0]:
            worst = (cost, name)
    print(f"\nworst: {worst[1]} at {worst[0] * 1000:,.1f} ms of CPU "
          f"({'within' if worst[0] <= GOAL_S else 'over'} the {GOAL_S * 1000:.0f} ms goal)")


if __name__ == "__main__":
    main()
