"""The `badges` command: init, demo, serve, org create, issue, revoke, token, rotate-key, verify, audit,
export-org, workspace-cleanup."""
from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import make_url, select
from sqlalchemy.orm import Session

import keys
from badges.clock import in_korea
from badges.errors import BadgeError, Unavailable
from badges.fetch import FetchPolicy
from badges.model import Recipient
from badges.resolve import HttpResolver
from bootstrap.app import create_app, start
from bootstrap.wiring import Services, build_services, remote_resolver
from issuer import audit, audit_verify, awards, export, invitation_mail, invitations, queue, service, tokens
from issuer import staff as staff_service
from issuer.service import Award
from store import orgs
from store.console import Role
from store.db import transaction, upgrade
from store.models import Achievement, Org
from verifier import workspace
from verifier.service import LocalResolver, verify_upload
from web import mail
from web.settings import CLOCK_SKEW, FETCH_TIMEOUT_S, ConfigError, Settings, init_instance

DEMO_SLUG = "demo"
DEMO_OWNER = "owner@academy.example"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `badges` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    instance = Path(os.environ.get("BADGES_INSTANCE", "instance")).resolve()
    try:
        if args.command == "verify":  # someone else's file needs no instance: remote documents then
            return _verify(args, *_verifier(instance))
        if args.command in ("init", "serve", "demo") and os.environ.get("BADGES_ENV") != "production":
            init_instance(instance)
        env = dict(os.environ)
        if args.command == "serve":
            env.setdefault("BADGES_PUBLIC_URL", f"http://{args.host}:{args.port}")
        settings = Settings.from_env(env, instance_dir=instance)
        if args.command in ("init", "serve", "demo"):
            upgrade(settings.database_url)
        services = build_services(settings)
        try:
            return args.run(args, services)
        finally:
            if services.issuing.token is not None:
                services.issuing.token.close()  # log out of the PKCS#11 token
            services.engine.dispose()  # the connections closed, not left to the garbage collector
    except (BadgeError, ConfigError) as e:
        print(f"error: {getattr(e, 'detail', e)}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="badges", description=(
        "Issue and verify Open Badges 3.0 credentials. Settings come from BADGES_* environment variables; "
        "secrets are generated into ./instance on first use (BADGES_INSTANCE moves it)."))
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, run: Callable[..., int], help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(run=run)
        return sub

    command("init", _init, "Create ./instance (secret key, key-encryption key) and the database tables.")
    command("demo", _demo, "Create the demo organisation, a course and one issued badge; print their URLs.")
    serve = command("serve", _serve, "Set up (init + demo) and run the web service.")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    issue = command("issue", _issue, "Issue a badge for a course to one person; prints the credential URL.")
    issue.add_argument("--org", default=DEMO_SLUG, help="organisation short name (default: demo)")
    issue.add_argument("--course", required=True, help="course id (see `badges courses`)")
    issue.add_argument("--name", required=True, help="recipient's full name")
    issue.add_argument("--email", required=True, help="recipient's e-mail (published only salted and hashed)")
    issue.add_argument("--publish-name", action="store_true",
                       help="put the name in the signed badge (only if the recipient agreed; default: e-mail hash only)")
    courses = command("courses", _courses, "List an organisation's courses and their ids.")
    courses.add_argument("--org", default=DEMO_SLUG)
    revoke = command("revoke", _revoke, "Revoke an issued credential.")
    revoke.add_argument("credential_id")
    revoke.add_argument("--org", default=DEMO_SLUG)
    revoke.add_argument("--reason", required=True)
    token = command("token", _token, "Create an API token for an organisation (shown once).")
    token.add_argument("--org", default=DEMO_SLUG)
    token.add_argument("--label", default="cli")
    token.add_argument("--scopes", default=" ".join(tokens.SCOPES),
                       help=f"space-separated, some of: {' '.join(tokens.SCOPES)} (default: all)")
    staff = command("staff", _staff, "Give a person a console account and a role in an organisation.")
    staff.add_argument("--org", default=DEMO_SLUG)
    staff.add_argument("--email", required=True)
    staff.add_argument("--name", default="")
    staff.add_argument("--role", choices=[r.value for r in Role], default=Role.OWNER.value)
    staff.add_argument("--password-stdin", action="store_true",
                       help="read the password from standard input (default: generate one and print it)")
    rotate = command("rotate-key", _rotate, "Give an organisation a new signing key; old keys stay published.")
    rotate.add_argument("--org", default=DEMO_SLUG)
    rotate.add_argument("--custody", choices=keys.CUSTODIES,
                        help="keep this and the org's later keys sealed here (software) or in the PKCS#11 token "
                        "(pkcs11); default: as before, else BADGES_KEY_CUSTODY")
    org = commands.add_parser("org", help="Manage organisations (for the alliance's operator).",
                              description="Manage organisations (for the alliance's operator).")
    org_commands = org.add_subparsers(dest="org_command", required=True, metavar="ACTION")
    create = org_commands.add_parser("create", help="Add an organisation and e-mail its first owner an invitation.",
                                     description="Add an organisation (with its did:web and a signing key) and "
                                     "invite its first owner by e-mail; the invitation link is printed as well.")
    create.set_defaults(run=_org_create)
    create.add_argument("slug", help="short name in URLs: a-z, 0-9 and '-' (e.g. korea-it-academy)")
    create.add_argument("--name-ko", required=True, help="the name in Korean")
    create.add_argument("--name-en", required=True, help="the name in English")
    create.add_argument("--owner", required=True, help="e-mail of the first owner, who gets the invitation")
    create.add_argument("--url", help="the organisation's website")
    create.add_argument("--email", help="the organisation's public contact e-mail")
    create.add_argument("--key-custody", choices=keys.CUSTODIES,
                        help="where its signing keys are kept: sealed here (software) or in the PKCS#11 token "
                        "(pkcs11); default: BADGES_KEY_CUSTODY")
    audit_command = commands.add_parser("audit", help="Check or checkpoint the audit log's hash chain.",
                                        description="Check or checkpoint the audit log's hash chain.")
    audit_commands = audit_command.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    audit_verify_cmd = audit_commands.add_parser(
        "verify", help="Check every organisation's chain and signed checkpoints (exit 1 if anything was changed).",
        description="Walk each organisation's audit chain and check its signed checkpoints; name the first "
        "altered, inserted, missing or moved entry by sequence number and time (Korea time). Exit 0 only if "
        "every chain is intact.")
    audit_verify_cmd.set_defaults(run=_audit_verify)
    audit_verify_cmd.add_argument("--org", help="only this organisation (short name)")
    audit_checkpoint_cmd = audit_commands.add_parser(
        "checkpoint", help="Sign each organisation's chain head with its key (run from cron, e.g. hourly).",
        description="Sign each organisation's current chain head with its signing key and store the checkpoint; "
        "organisations with nothing new since their last checkpoint are left as they are.")
    audit_checkpoint_cmd.set_defaults(run=_audit_checkpoint)
    audit_checkpoint_cmd.add_argument("--org", help="only this organisation (short name)")
    export_cmd = command("export-org", _export_org, "Write all of an organisation's data to a ZIP of JSON and CSV files.")
    export_cmd.add_argument("org", help="the organisation's short name")
    export_cmd.add_argument("dest", type=Path, help="the ZIP file to write (a directory: <slug>-export-<date>.zip in it)")
    worker = command("worker", _worker, "Run cohort jobs that the app servers queue on Redis (BADGES_REDIS_URL).")
    worker.add_argument("--burst", action="store_true", help="stop once the queue is empty (default: keep waiting)")
    worker.add_argument("--queue", default=queue.QUEUE,
                        help=f"the queue to take jobs from (default: {queue.QUEUE}, where the app puts them)")
    command("workspace-cleanup", _workspace_cleanup, "Delete employers' verification batches kept past their "
            "retention period (BADGES_WORKSPACE_DAYS, default 30; app start-up does it too).")
    verify = command("verify", _verify, "Verify a credential file (JSON, baked PNG or SVG) and print the report.")
    verify.add_argument("file", type=Path)
    verify.add_argument("--email", help="also check the badge was issued to this e-mail")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def _now() -> datetime:
    return datetime.now(UTC)


def _init(args: argparse.Namespace, svc: Services) -> int:
    print(f"Ready: database {svc.settings.database_url}")
    return 0


def _demo(args: argparse.Namespace, svc: Services) -> int:
    links, now = svc.issuing.links, _now()
    with transaction(svc.sessions) as session:
        org = orgs.find_org(session, DEMO_SLUG) or service.create_org(
            session, svc.issuing, slug=DEMO_SLUG, name_ko="한국디지털인재아카데미",
            name_en="Korea Digital Talent Academy", url="https://academy.example", now=now)
        course = session.scalar(select(Achievement).where(Achievement.org_id == org.id)) or \
            service.create_achievement(session, org=org, now=now, data=service.AchievementIn(
                name_ko="파이썬 데이터 분석 기초", name_en="Python Data Analysis Basics",
                description_ko="파이썬으로 데이터를 읽고, 정리하고, 시각화하는 40시간 과정입니다.",
                description_en="A 40-hour course on reading, cleaning and charting data with Python.",
                criteria_ko="모든 실습 과제를 제출하고 최종 프로젝트를 통과했습니다.",
                criteria_en="Submitted every lab and passed the final project."))
        issued = awards.issue_one(session, svc.issuing, org=org, achievement=course, actor="cli", now=now,
                                  award=Award(Recipient("홍길동", "gildong.hong@example.com"), request_id="demo-badge-1"))
        token = tokens.create_api_token(session, org=org, label="demo", now=now)
        owner = staff_service.find_staff(session, DEMO_OWNER)
        password = None
        if owner is None:
            password = secrets.token_urlsafe(12)
            owner = staff_service.create_staff(session, email=DEMO_OWNER, name="데모 관리자", password=password, now=now)
            staff_service.grant(session, staff=owner, org=org, role=Role.OWNER, now=now)
    credential = issued.credential
    print(f"Organisation:   {links.org(org.slug)}\nCourse:         {links.achievement(course.public_id)}\n"
          f"Badge:          {links.credential(credential.id)}\nQR landing:     {links.verify(credential.id)}\n"
          f"Verify page:    {links.base_url}/verify\nDID document:   {links.org(org.slug)}/did.json\n"
          f"API token:      {token}\n  e.g. curl -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' "
          f"-d '{{\"recipient\": {{\"name\": \"김하늘\", \"email\": \"haneul@example.com\"}}}}' "
          f"{links.base_url}/api/v1/achievements/{course.public_id}/credentials\n"
          f"Console:        {links.base_url}/console/sign-in  as {DEMO_OWNER}"
          + (f" / {password}" if password else " (password shown on first run; `badges staff` sets a new one)"))
    return 0


def _serve(args: argparse.Namespace, svc: Services) -> int:
    _demo(args, svc)
    print(f"\nServing on http://{args.host}:{args.port} (Ctrl+C stops)", flush=True)
    start(create_app(svc.settings)).run(host=args.host, port=args.port, threaded=True)
    return 0


def _issue(args: argparse.Namespace, svc: Services) -> int:
    with transaction(svc.sessions) as session:
        org, now = orgs.get_org(session, args.org), _now()
        course = service.get_achievement(session, org_id=org.id, public_id=args.course)
        issued = awards.issue_one(session, svc.issuing, org=org, achievement=course, actor="cli", now=now,
                                  award=Award(Recipient(args.name, args.email, publish_name=args.publish_name)))
    print(svc.issuing.links.credential(issued.credential.id))
    return 0


def _courses(args: argparse.Namespace, svc: Services) -> int:
    with transaction(svc.sessions) as session:
        org = orgs.get_org(session, args.org)
        for course in session.scalars(select(Achievement).where(Achievement.org_id == org.id)):
            print(f"{course.public_id}  {course.name_ko} / {course.name_en}")
    return 0


def _revoke(args: argparse.Namespace, svc: Services) -> int:
    with transaction(svc.sessions) as session:
        org, now = orgs.get_org(session, args.org), _now()
        service.revoke(session, svc.issuing, org=org, credential_id=args.credential_id, reason=args.reason,
                       actor="cli", now=now)
    print(f"Revoked {args.credential_id}")
    return 0


def _token(args: argparse.Namespace, svc: Services) -> int:
    with transaction(svc.sessions) as session:
        org, now = orgs.get_org(session, args.org), _now()
        record, token = tokens.new_token(session, org=org, label=args.label, scopes=tuple(args.scopes.split()),
                                         now=now)
        audit.record(session, org_id=org.id, actor="cli", action="token.create", target=f"token:{record.id}",
                     label=record.label, scopes=record.scopes, now=now)
    print(token)
    return 0


def _staff(args: argparse.Namespace, svc: Services) -> int:
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else secrets.token_urlsafe(12)
    with transaction(svc.sessions) as session:
        org, now = orgs.get_org(session, args.org), _now()
        person = staff_service.find_staff(session, args.email)
        if person is None:
            person = staff_service.create_staff(session, email=args.email, name=args.name, password=password,
                                                now=now)
        else:
            staff_service.set_password(person, password)
        staff_service.grant(session, staff=person, org=org, role=Role(args.role), now=now)
        audit.record(session, org_id=org.id, actor="cli", action="staff.grant", target=person.email,
                     role=args.role, now=now)
    print(f"{person.email} is {args.role} of {org.slug}; sign in at {svc.issuing.links.base_url}/console/sign-in")
    if not args.password_stdin:
        print(f"Password: {password}")
    return 0


def _rotate(args: argparse.Namespace, svc: Services) -> int:
    with transaction(svc.sessions) as session:
        org, now = orgs.get_org(session, args.org), _now()
        if args.custody:
            org.key_custody = args.custody
        key = service.rotate_key(session, svc.issuing, org=org, now=now)
        audit.record(session, org_id=org.id, actor="cli", action="key.rotate", target=key.fragment,
                     custody=key.custody, now=now)
        where = f" in the PKCS#11 token {key.token_label!r}" if key.custody == keys.PKCS11 else ""
        print(f"New signing key {org.did}#{key.fragment}{where}")
    return 0


def _org_create(args: argparse.Namespace, svc: Services) -> int:
    with transaction(svc.sessions) as session:
        now = _now()
        org = service.create_org(session, svc.issuing, slug=args.slug, name_ko=args.name_ko, name_en=args.name_en,
                                 url=args.url, email=args.email, now=now, key_custody=args.key_custody)
        audit.record(session, org_id=org.id, actor="cli", action="org.create", target=org.slug, now=now)
        issued = invitations.invite(session, org=org, email=args.owner, role=Role.OWNER, actor="cli", now=now)
        audit.record(session, org_id=org.id, actor="cli", action="staff.invite", target=issued.invitation.email,
                     role=Role.OWNER.value, now=now)
        message = invitation_mail.compose(issued.invitation, org=org,
                                          link=invitations.link(svc.issuing.links.base_url, issued.token))
    try:
        mail.send(message, smtp_url=svc.settings.smtp_url, sender=svc.settings.mail_from)
        error = None
    except Unavailable as e:
        error = e.detail
    with transaction(svc.sessions) as session:
        invitations.record_delivery(session, invitation_id=issued.invitation.id, now=_now(), error=error)
    print(f"Organisation:   {svc.issuing.links.org(org.slug)}\nDID:            {org.did}\n"
          f"Owner invited:  {issued.invitation.email} "
          + ("(e-mail sent)" if error is None else f"(e-mail NOT sent: {error}; pass them the link yourself)")
          + f"\nInvitation:     {invitations.link(svc.issuing.links.base_url, issued.token)}"
          f"\n                valid until {issued.invitation.expires_at:%Y-%m-%d %H:%M} UTC, works once")
    return 0


def _audit_orgs(session: Session, slug: str | None) -> list[Org]:
    return [orgs.get_org(session, slug)] if slug else list(session.scalars(orgs.select_orgs()))


def _audit_verify(args: argparse.Namespace, svc: Services) -> int:
    with transaction(svc.sessions) as session:
        reports = [audit_verify.verify_org(session, org) for org in _audit_orgs(session, args.org)]
    for report in reports:
        state = "intact" if report.intact else "CHANGED"
        print(f"{report.org}: {report.entries} entries, {report.checkpoints} checkpoints: {state}")
        for finding in report.findings:
            when = in_korea(finding.at)
            print(f"  {finding.kind}: entry {finding.seq}"
                  + (f" ({when:%Y-%m-%d %H:%M:%S} KST)" if when else "") + f": {finding.detail}")
    return 0 if all(r.intact for r in reports) else 1


def _audit_checkpoint(args: argparse.Namespace, svc: Services) -> int:
    with transaction(svc.sessions) as session:
        for org in _audit_orgs(session, args.org):
            made = audit.checkpoint(session, org=org, signer=service.signer(svc.issuing, org), now=_now())
            print(f"{org.slug}: " + (f"checkpoint of entry {made.seq} signed by {org.did}" if made
                                     else "nothing new since the last checkpoint"))
    return 0


def _export_org(args: argparse.Namespace, svc: Services) -> int:
    now = _now()
    with transaction(svc.sessions) as session:
        org = orgs.get_org(session, args.org)
        dest = args.dest / export.file_name(org, now) if args.dest.is_dir() else args.dest
        written = export.write_file(session, org=org, dest=dest, now=now)
        audit.record(session, org_id=org.id, actor="cli", action="org.export", target=dest.name, now=now,
                     files=written.files, bytes=written.size)
    print(f"Wrote {dest} ({written.size:,} bytes, {written.files} files)")
    return 0


def _workspace_cleanup(args: argparse.Namespace, svc: Services) -> int:
    with transaction(svc.sessions) as session:
        gone = workspace.cleanup(session, _now())
    print(f"Deleted {gone} verification batches past their retention period")
    return 0


def _worker(args: argparse.Namespace, svc: Services) -> int:
    if not svc.settings.redis_url:
        raise ConfigError("BADGES_REDIS_URL is not set: a worker takes cohort jobs from the Redis the app servers "
                          "queue them on (e.g. redis://127.0.0.1:6379/0). Without it the app runs them itself.")
    queue.work(svc, queue_name=args.queue, burst=args.burst)
    return 0


def _verifier(instance: Path) -> tuple[LocalResolver | HttpResolver, timedelta, FetchPolicy]:
    """(resolver, clock skew, fetch policy): our own database when this directory has an instance whose database
    exists, else a resolver that fetches other issuers' documents only (no instance, no database needed)."""
    try:
        settings = Settings.from_env(os.environ, instance_dir=instance)
    except ConfigError:
        settings = None
    if settings is None or not _database_exists(settings.database_url):
        insecure = os.environ.get("BADGES_ENV") != "production" and os.environ.get("BADGES_INSECURE_FETCH") == "1"
        policy = FetchPolicy(timeout_s=FETCH_TIMEOUT_S, allow_http=insecure, allow_private=insecure)
        return remote_resolver(policy), CLOCK_SKEW, policy
    return build_services(settings).resolver, settings.clock_skew, settings.fetch_policy()


def _database_exists(url: str) -> bool:
    """False for a SQLite file not created yet (connecting would create an empty one); True otherwise."""
    database = make_url(url).database if url.startswith("sqlite") else None
    return not database or database == ":memory:" or Path(database).is_file()


def _verify(args: argparse.Namespace, resolver: LocalResolver | HttpResolver, skew: timedelta,
            policy: FetchPolicy) -> int:
    data = args.file.read_bytes()
    reading = resolver.reading() if isinstance(resolver, LocalResolver) else nullcontext(resolver)
    with reading as resolve:
        report = verify_upload(data, resolve=resolve, now=_now(), skew=skew, holder=args.email, policy=policy)
    if args.json:
        print(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    else:
        print(f"{report.verdict.upper()}")
        for check in report.checks:
            note = check.problem.detail if check.problem else (check.reason or "")
            print(f"  {check.id:<11} {check.outcome:<8} {note}")
    return 0 if report.verified else 1


if __name__ == "__main__":
    sys.exit(main())
