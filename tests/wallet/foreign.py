"""A training company on another platform: a did:key issuer whose revocation list is served over real HTTP on
127.0.0.1, and who issues OB 3.0 credentials with hours, tags and alignments, as other systems would."""
from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import keys
from badges import dids, model, proofs, status
from badges.jsonld import JsonObject

ISSUED = datetime(2024, 6, 28, 9, 0, tzinfo=UTC)


class ForeignIssuer:
    """Signs credentials with its did:key and publishes documents at `base` + path."""

    def __init__(self, base: str, *, name: str = "Busan Coding School") -> None:
        self.base = base
        self.name = name
        self.key = keys.generate()
        self.did = dids.did_key(self.key.public_key())
        self.signer = proofs.Ed25519Signer(self.key, dids.did_key_method(self.did))
        self.list_url = f"{base}/status/1"
        self.bits = status.new_list()
        self.documents: dict[str, bytes] = {}
        self.next_index = 11
        self.publish_list()

    def publish(self, path: str, document: Any) -> str:
        self.documents[path] = document if isinstance(document, bytes) else json.dumps(document).encode()
        return self.base + path

    def publish_list(self, now: datetime = ISSUED) -> None:
        unsigned = {"@context": [model.VC_V2], "id": self.list_url,
                    "type": ["VerifiableCredential", "BitstringStatusListCredential"], "issuer": self.did,
                    "validFrom": proofs.xsd_datetime(now),
                    "credentialSubject": status.status_list_subject(list_url=self.list_url, purpose="revocation",
                                                                    bits=self.bits)}
        self.publish("/status/1", proofs.sign(unsigned, signer=self.signer, created=now))

    def credential(self, *, email: str, name: str, title: str, hours: float | None = None,
                   tags: Sequence[str] = (), alignments: Sequence[str] = (), credits: float | None = None,
                   completed: datetime = ISSUED, with_status: bool = True) -> JsonObject:
        """A signed OB 3.0 credential for `email`; its status index is remembered in `document['_index']`."""
        achievement: JsonObject = {
            "id": f"{self.base}/courses/{hashlib.sha1(title.encode()).hexdigest()[:8]}", "type": ["Achievement"], "achievementType": "Course",
            "name": title, "description": f"{title} at {self.name}", "criteria": {"narrative": "Passed."}}
        if hours is not None:
            achievement["ext:hours"] = hours
        if credits is not None:
            achievement["creditsAvailable"] = credits
        if tags:
            achievement["tag"] = list(tags)
        if alignments:
            achievement["alignment"] = [{"type": ["Alignment"], "targetName": a,
                                         "targetUrl": f"{self.base}/ncs/{i}"} for i, a in enumerate(alignments)]
        index = self.next_index
        self.next_index += 7
        unsigned = model.achievement_credential(
            credential_id=f"{self.base}/credentials/{index}", achievement=achievement,
            issuer=model.profile(did=self.did, name=self.name), recipient=model.Recipient(name, email),
            valid_from=completed, completed=completed,
            status=status.status_entry(list_url=self.list_url, index=index) if with_status else None)
        signed = proofs.sign(unsigned, signer=self.signer, created=completed)
        self.publish(f"/credentials/{index}", signed)
        return signed

    def revoke(self, credential: JsonObject) -> None:
        status.set_bit(self.bits, int(credential["credentialStatus"]["statusListIndex"]), True)
        self.publish_list()


@contextmanager
def foreign_issuer(**kwargs: Any) -> Iterator[ForeignIssuer]:
    """A ForeignIssuer whose documents are served by a real HTTP server on 127.0.0.1 (no caching)."""
    holder: list[ForeignIssuer] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = holder[0].documents.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "max-age=0")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(ForeignIssuer(f"http://127.0.0.1:{server.server_port}", **kwargs))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
