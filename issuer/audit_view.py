"""The audit log as people read it: each entry's action, what it was done to and its details in the reader's
language, naming courses, people, uploads and tokens instead of showing ids or English keys. Presentation only:
the entries are read, never changed (issuer.audit keeps them).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.console import AuditEntry
from store.issuing import CohortJob, OutboxMail
from store.models import Achievement, ApiToken, Credential, Org
from web.i18n import translate

Translate = Callable[..., str]
# the detail keys entries carry (see the audit.record calls), each with its label's catalogue key
LABELS = {"reason": "audit.detail.reason", "course": "audit.detail.course", "version": "audit.detail.version",
          "job": "audit.detail.job", "rows": "audit.detail.rows", "mails": "audit.detail.mails",
          "fields": "audit.detail.fields", "type": "audit.detail.type", "bytes": "audit.detail.bytes",
          "retired": "audit.detail.retired", "label": "audit.detail.label", "scopes": "audit.detail.scopes",
          "role": "audit.detail.role", "before": "audit.detail.before", "after": "audit.detail.after",
          "name": "audit.detail.name", "copy": "audit.detail.copy", "custody": "audit.detail.custody",
          "files": "audit.detail.files", "holder": "audit.detail.holder", "application": "audit.detail.application",
          "certification": "audit.detail.certification", "until": "audit.detail.until"}
PROFILE_FIELDS = {"name_ko": "org.name_ko", "name_en": "org.name_en", "description_ko": "org.description_ko",
                  "description_en": "org.description_en", "url": "audit.field.url", "email": "org.contact_email"}


@dataclass(frozen=True, slots=True)
class Line:
    """One entry as the page shows it. `link` is (endpoint, arguments) of the console page of its target."""

    entry: AuditEntry
    action: str
    target: str
    actor: str
    details: list[tuple[str, str]] = field(default_factory=list)
    link: tuple[str, dict[str, Any]] | None = None


def describe(session: Session, *, org: Org, entries: Sequence[AuditEntry], actors: dict[str, str],
             lang: str) -> list[Line]:
    """The entries of `org` in words in `lang`: `actors` names "staff:<id>" / "token:<id>"
    (issuer.audit.actor_names)."""
    def t(message: str, **values: Any) -> str:
        return translate(message, lang, **values)
    names = _Names(session, org, entries, t, ko=lang == "ko")
    return [Line(entry=e, action=_action(e.action, t), target=names.target(e), actor=_actor(e.actor, actors, t),
                 details=[d for key, value in sorted((e.detail or {}).items()) if (d := names.detail(key, value))],
                 link=names.link(e)) for e in entries]


def _action(action: str, t: Translate) -> str:
    key = f"audit.action.{action}"
    label = t(key)
    return label if label != key else t("audit.action_other")


def _actor(actor: str, actors: dict[str, str], t: Translate) -> str:
    if actor == "cli":
        return t("audit.actor_cli")
    if actor.startswith("token:"):
        return t("audit.actor_token", name=actors.get(actor) or t("audit.deleted"))
    if actor.startswith("staff:"):
        return actors.get(actor) or t("audit.actor_former")
    return t("audit.actor_system")


class _Names:
    """The names of everything the entries point at, each kind looked up once for the whole page."""

    def __init__(self, session: Session, org: Org, entries: Sequence[AuditEntry], t: Translate, *, ko: bool) -> None:
        self.org, self.t, self.ko = org, t, ko
        targets = {e.target for e in entries if e.target}
        course_ids = {e.target for e in entries if e.action.startswith("course.")} | {
            str(e.detail["course"]) for e in entries if isinstance((e.detail or {}).get("course"), str)}
        self.courses = {public_id: self._course_name(name_ko, name_en) for public_id, name_ko, name_en in
                        session.execute(select(Achievement.public_id, Achievement.name_ko, Achievement.name_en)
                                        .where(Achievement.org_id == org.id,
                                               Achievement.public_id.in_(course_ids)))} if course_ids else {}
        credential_ids = {e.target for e in entries if e.action.startswith("credential.") and e.target}
        self.credentials = {c.id: c for c in _chunked(session, select(Credential).where(
            Credential.org_id == org.id), Credential.id, credential_ids)}
        job_ids = {int(x) for x in _numbers(targets, "job")} | {
            int(e.detail["job"]) for e in entries if isinstance((e.detail or {}).get("job"), int)}
        self.jobs = {job.id: job.filename or t("cohort.api_job", id=job.id) for job in session.scalars(
            select(CohortJob).where(CohortJob.org_id == org.id, CohortJob.id.in_(job_ids)))} if job_ids else {}
        token_ids = {int(x) for x in _numbers(targets, "token")}
        self.tokens = {token_id: label or t("audit.unnamed") for token_id, label in session.execute(
            select(ApiToken.id, ApiToken.label).where(ApiToken.org_id == org.id, ApiToken.id.in_(token_ids)))
        } if token_ids else {}
        mail_ids = {int(x) for x in _numbers(targets, "mail")}
        self.mails = dict(session.execute(select(OutboxMail.id, OutboxMail.to_display).where(
            OutboxMail.org_id == org.id, OutboxMail.id.in_(mail_ids)))) if mail_ids else {}

    def _course_name(self, name_ko: str, name_en: str) -> str:
        return f"「{(name_ko if self.ko else name_en) or name_ko or name_en}」"

    def target(self, e: AuditEntry) -> str:
        kind, _, number = e.target.partition(":")
        if e.action.startswith("credential."):
            credential = self.credentials.get(e.target)
            if credential is None:
                return self.t("audit.deleted")
            version = credential.version
            course = self._course_name(version.name_ko, version.name_en)
            return f"{credential.recipient_name or _published_name(credential) or self.t('confirm.someone')} · {course}"
        if e.action.startswith("course."):
            return self.courses.get(e.target, self.t("audit.deleted"))
        if kind == "job" and number.isdigit():
            return self.jobs.get(int(number), self.t("audit.deleted"))
        if kind == "token" and number.isdigit():
            return self.t("audit.target_token", name=self.tokens.get(int(number), self.t("audit.deleted")))
        if kind == "mail" and number.isdigit():
            return self.t("audit.target_mail", to=self.mails.get(int(number), self.t("audit.deleted")))
        if e.action == "key.rotate":
            return self.t("audit.target_key", fragment=e.target)
        if e.action == "org.create":
            return self.org.name_ko if self.ko else self.org.name_en
        return e.target  # an e-mail address (people): readable as it is

    def link(self, e: AuditEntry) -> tuple[str, dict[str, Any]] | None:
        kind, _, number = e.target.partition(":")
        if e.action.startswith("credential.") and e.target in self.credentials:
            return "console_credentials.show", {"credential_id": e.target}
        if e.action.startswith("course.") and e.target in self.courses:
            return "console_courses.show", {"public_id": e.target}
        if kind == "job" and number.isdigit() and int(number) in self.jobs:
            return "console_issue.cohort", {"job_id": int(number)}
        return None

    def detail(self, key: str, value: Any) -> tuple[str, str] | None:
        t = self.t
        if key not in LABELS:
            return t("audit.detail.other"), _plain(value)
        shown: str
        if key == "course":
            shown = self.courses.get(str(value), t("audit.deleted"))
        elif key == "version":
            shown = t("course.version_n", n=value)
        elif key == "job":
            shown = self.jobs.get(value, t("audit.deleted")) if isinstance(value, int) else _plain(value)
        elif key == "rows":
            shown = t("audit.people_n", n=value)
        elif key == "mails":
            shown = t("audit.mails_n", n=value)
        elif key == "fields":
            shown = ", ".join(t(PROFILE_FIELDS.get(str(f), "audit.detail.other")) for f in _items(value))
        elif key == "type":
            shown = {"image/png": "PNG", "image/svg+xml": "SVG"}.get(str(value), str(value))
        elif key == "bytes":
            shown = f"{max(1, round(int(value) / 1024)):,} KB" if isinstance(value, int) else _plain(value)
        elif key == "scopes":
            shown = ", ".join(t(f"tokens.scope_{s}") for s in str(value).split())
        elif key in ("role", "before", "after"):
            shown = t(f"role.{value}")
        elif key == "retired":
            shown = ", ".join(str(v) for v in _items(value) if v) or t("audit.none_retired")
        else:
            shown = _plain(value)
        return t(LABELS[key]), shown


def _numbers(targets: Iterable[str], kind: str) -> list[str]:
    return [number for target in targets for prefix, _, number in [target.partition(":")]
            if prefix == kind and number.isdigit() and len(number) < 10]


def _chunked(session: Session, query: Any, column: Any, values: set[str]) -> list[Any]:
    listed = sorted(values)
    found: list[Any] = []
    for start in range(0, len(listed), 500):
        found.extend(session.scalars(query.where(column.in_(listed[start:start + 500]))))
    return found


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _plain(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _published_name(credential: Credential) -> str:
    return str(json.loads(credential.document).get("credentialSubject", {}).get("name", ""))
