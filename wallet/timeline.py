"""The wallet page's entries without reading every credential document on every view (issue 17: a learner with 100
badges read ~1 MB of documents and parsed them for each view).

A credential issued here never changes once stored (a revocation or suspension is kept in its row and status
list, not in the document; the item's verdict is read from its row), so what the timeline shows of it (the
course as badges.transcript reads it, and the parts of credentialSubject a card shows: the achievement's image
and result descriptions, and the results) is kept per process by credential id after the first read, in a
bounded cache. Documents of badges not seen yet are read in one statement. Imported badges (a few, stored on
their wallet item) are read each time, as before. Pages that show one whole document (wallet.pages.item, the
exports) still read it through wallet.service.entry.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from badges import transcript
from badges.jsonld import JsonObject
from store.models import Credential
from store.wallet import items_of
from wallet.service import Entry, document_bytes

KEPT = 20_000  # credentials' summaries per process (~2 KB each)
_CARD_SUBJECT = ("achievement", "result")  # what wallet/_macros.html's card and Entry.issued_image read
_CARD_ACHIEVEMENT = ("image", "resultDescription")


class Summaries:
    """Summaries by credential id, the least recently used dropped past `kept`."""

    def __init__(self, kept: int = KEPT) -> None:
        self._kept, self._found, self._lock = kept, OrderedDict[str, tuple[transcript.Course, JsonObject]](), \
            threading.Lock()

    def get(self, credential_id: str) -> tuple[transcript.Course, JsonObject] | None:
        with self._lock:
            found = self._found.get(credential_id)
            if found is not None:
                self._found.move_to_end(credential_id)
            return found

    def put(self, credential_id: str, summary: tuple[transcript.Course, JsonObject]) -> None:
        with self._lock:
            self._found[credential_id] = summary
            while len(self._found) > self._kept:
                self._found.popitem(last=False)


SUMMARIES = Summaries()


def card_document(document: JsonObject) -> JsonObject:
    """The parts of the document a timeline card reads, the same values (the rest is left out)."""
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict):
        return {"credentialSubject": subject} if "credentialSubject" in document else {}
    kept: dict[str, Any] = {k: subject[k] for k in _CARD_SUBJECT if k in subject}
    achievement = kept.get("achievement")
    if isinstance(achievement, dict):
        kept["achievement"] = {k: achievement[k] for k in _CARD_ACHIEVEMENT if k in achievement}
    return {"credentialSubject": kept}


def summary(document: JsonObject) -> tuple[transcript.Course, JsonObject]:
    return transcript.course(document), card_document(document)


def entries(session: Session, learner_id: int, *, kept: Summaries = SUMMARIES) -> list[Entry]:
    """Every item of the learner (hidden ones included), as the timeline shows them."""
    items = items_of(session, learner_id, documents=False)
    issued = [i.credential_id for i in items if i.credential_id is not None]
    missing = [c for c in issued if kept.get(c) is None]
    for start in range(0, len(missing), 500):
        for credential_id, raw in session.execute(select(Credential.id, Credential.document)
                                                  .where(Credential.id.in_(missing[start:start + 500]))):
            kept.put(credential_id, summary(json.loads(raw)))
    found = []
    for item in items:
        shown = kept.get(item.credential_id) if item.credential_id is not None else None
        if shown is None:  # imported (or dropped from the cache just now): read as the item page does
            shown = summary(json.loads(document_bytes(item)))
        found.append(Entry(item, *shown))
    return found
