"""The `badges` command: init, demo, serve, org create, issue, revoke, token, rotate-key, rotate-kek, backup,
restore, verify, audit, export-org, workspace-cleanup."""
from __future__ import annotations

import argparse
import base64
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
from badges.clock import KOREA, in_korea
from badges.errors import BadgeError, Conflict, Unavailable
from badges.fetch import FetchPolicy
from badges.model import Recipient
from badges.resolve import HttpResolver
from bootstrap.app import create_app, start
from bootstrap.wiring import Services, build_services, platform_identity, remote_resolver
from issuer import (
    audit,
    audit_verify,
    awards,
    dlc,
    export,
    invitation_mail,
    invitations,
    notify,
    platform,
    queue,
    reminders,
    renewals,
    service,
    tokens,
)
from issuer import staff as staff_service
from issuer.service import Award
from store import backup, key_custody, membership, orgs
from store.console import Role
from store.db import transaction, upgrade
from store.models import Achievement, Org
from verifier import workspace
from verifier.service import LocalResolver, verify_upload
from web import logs, mail
from web.settings import CLOCK_SKEW, FETCH_TIMEOUT_S, ConfigError, Settings, init_instance, new_instance_kek

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
        if args.command == "rotate-kek" and args.new:
            if os.environ.get("BADGES_KEY_ENCRYPTION_KEY") or os.environ.get("BADGES_ENV") == "production":
                raise ConfigError("--new makes a new KEK in the instance folder, but this instance takes its KEK from "
                                  "BADGES_KEY_ENCRYPTION_KEY: set that to the new KEK and BADGES_OLD_KEY_ENCRYPTION_KEYS "
                                  "to the current one, then run `badges rotate-kek` without --new.")
            new_instance_kek(instance)
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
            services.engine.dispose()  # the connections closed, not left to the garbage collector (a restore drops databases)
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
    renew = command("renew", _renew, "Renew a badge that expires: a new one for the same course and person, "
                    "valid anew, linked to the old one; prints its URL.")
    renew.add_argument("credential_id")
    renew.add_argument("--org", default=DEMO_SLUG)
    renew.add_argument("--name", required=True, help="the recipient's name, as the badge was issued")
    renew.add_argument("--email", required=True, help="the recipient's e-mail, as the badge was issued")
    renew.add_argument("--valid-until", type=_date, help="YYYY-MM-DD (Korea time; default: the course's months)")
    renew.add_argument("--notify", action="store_true", help="e-mail the person their renewed badge")
    remind = command("remind-expiring", _remind, "E-mail reminders of badges that expire soon (run it daily from "
                     "cron): each badge's holder, and its organisation when it asks for them; never twice.")
    remind.add_argument("--days", help="remind at these days before expiry, e.g. 30,7 (default: each "
                        "organisation's own, see `badges org reminders`)")
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
    kek = command("rotate-kek", _rotate_kek, "Re-seal every signing key (and the other sealed records) under the "
                  "current key-encryption key (BADGES_KEY_ENCRYPTION_KEY), opening them with it or one of "
                  "BADGES_OLD_KEY_ENCRYPTION_KEYS; the service keeps running; run it again after an interruption.")
    kek.add_argument("--new", action="store_true", help="instance-folder KEK only (development): first generate a "
                     "new KEK into instance/key_encryption_key, keeping the current one in key_encryption_key.old")
    backup = command("backup", _backup, "Copy the database to DEST while the service runs (SQLite: its online "
                     "backup API; PostgreSQL: pg_dump -Fc), with DEST.manifest.json saying what else to keep.")
    backup.add_argument("dest", type=Path, help="a new file")
    backup.add_argument("--secrets", type=Path, metavar="FILE", help="also write the instance's secrets (KEK, old "
                        "KEKs, secret key) to FILE, a separate new file of mode 0600; store it apart from DEST")
    restore = command("restore", _restore, "Put a backup made by `badges backup` into the configured database "
                      "(PostgreSQL: pg_restore --clean --if-exists in a single transaction), then migrate it.")
    restore.add_argument("src", type=Path, help="the backup file")
    restore.add_argument("--force", action="store_true", help="replace the contents of a database that is not empty")
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
    create.add_argument("--role", choices=[r.value for r in membership.MemberRole], default="training",
                        help="its part in the alliance: training (인재양성 기관) or hiring (활용기관); default training")
    create.add_argument("--kind", choices=[k.value for k in membership.MemberKind], default="company",
                        help="company, association, university, agency or platform; default company")
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
    reminders_cmd = org_commands.add_parser(
        "reminders", help="When an organisation's badges are reminded before they expire.",
        description="Set the days before expiry on which holders are reminded, and whether the organisation's "
        "contact e-mail gets a list too.")
    reminders_cmd.set_defaults(run=_org_reminders)
    reminders_cmd.add_argument("slug")
    reminders_cmd.add_argument("--days", help="e.g. 30,7; 'none' for no reminders")
    reminders_cmd.add_argument("--issuer", choices=["on", "off"], help="also e-mail the organisation's address")
    dlc_command = commands.add_parser("dlc", help="Digital Leaders Club certifications (for the alliance's operator).",
                                      description="Certify a member as a Digital Leaders Club member (an "
                                      "EndorsementCredential signed by the alliance), or revoke it.")
    dlc_commands = dlc_command.add_subparsers(dest="dlc_command", required=True, metavar="ACTION")
    dlc_grant = dlc_commands.add_parser("grant", help="Certify a member from now until a date (Korea time).",
                                        description="Sign the certification, valid from now to the end of DATE in "
                                        "Korea; one still in force is superseded.")
    dlc_grant.set_defaults(run=_dlc_grant)
    dlc_grant.add_argument("slug", help="the member's short name")
    dlc_grant.add_argument("--until", required=True, type=_date, metavar="DATE", help="the last day, e.g. 2027-12-31")
    dlc_revoke = dlc_commands.add_parser("revoke", help="Revoke a member's certification in force.",
                                         description="Set its bit on the alliance's status list and re-sign it.")
    dlc_revoke.set_defaults(run=_dlc_revoke)
    dlc_revoke.add_argument("slug", help="the member's short name")
    dlc_revoke.add_argument("--reason", default="", help="why (kept with the certification)")
    pathways_command = commands.add_parser("pathways", help="Pathways across members (tracks).",
                                           description="Award the badges of tracks that learners' wallets complete.")
    pathways_commands = pathways_command.add_subparsers(dest="pathways_command", required=True, metavar="ACTION")
    pathways_commands.add_parser("award", help="Check every learner and issue the track badges now due (for cron).",
                                 description="Issue each completed track's badge once per learner, from the "
                                 "track's owner, with the qualifying badges as evidence.").set_defaults(
        run=_pathways_award)
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
    _ensure_platform(svc)
    print(f"Ready: database {svc.settings.database_url}")
    return 0


def _ensure_platform(svc: Services) -> None:
    """The platform's own organisation (did:web, key), created once; init and demo make sure it exists."""
    with transaction(svc.sessions) as session:
        platform.ensure_platform(session, svc.issuing, platform_identity(svc.settings), now=_now())


def _demo(args: argparse.Namespace, svc: Services) -> int:
    _ensure_platform(svc)
    links, now = svc.issuing.links, _now()
    with transaction(svc.sessions) as session:
        org = orgs.find_org(session, DEMO_SLUG)
        if org is None:
            org = service.create_org(session, svc.issuing, slug=DEMO_SLUG, name_ko="한국디지털인재아카데미",
                                     name_en="Korea Digital Talent Academy", url="https://academy.example", now=now)
            membership.enrol(session, org=org, role=membership.MemberRole.TRAINING,
                             kind=membership.MemberKind.COMPANY, actor="cli", now=now)
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


def _date(text: str) -> datetime:
    """A YYYY-MM-DD argument: the end of that day in Korea, in UTC."""
    try:
        day = datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2027-12-31") from None
    return datetime.combine(day.date(), datetime.max.time(), tzinfo=KOREA).replace(microsecond=0).astimezone(UTC)


def _renew(args: argparse.Namespace, svc: Services) -> int:
    with transaction(svc.sessions) as session:
        org = orgs.get_org(session, args.org)
        issued = renewals.renew(session, svc.issuing, org=org, credential_id=args.credential_id, name=args.name,
                                email=args.email, actor="cli", now=_now(), valid_until=args.valid_until,
                                notify=args.notify)
    if issued.mail_id is not None:
        notify.deliver(svc, [issued.mail_id])
    print(svc.issuing.links.credential(issued.credential.id))
    return 0


def _remind(args: argparse.Namespace, svc: Services) -> int:
    days = reminders.parse_days(args.days) if args.days else None
    outcome = reminders.remind_expiring(svc, now=_now(), days=days)
    print(f"Reminders sent: {outcome.sent}, failed: {outcome.failed}")
    return 1 if outcome.failed else 0


def _org_reminders(args: argparse.Namespace, svc: Services) -> int:
    with transaction(svc.sessions) as session:
        org = orgs.get_org(session, args.slug)
        if args.days is not None:
            org.reminder_days = "" if args.days == "none" else ",".join(map(str, reminders.parse_days(args.days)))
        if args.issuer is not None:
            org.remind_issuer = args.issuer == "on"
        print(f"{org.slug}: reminders {org.reminder_days or 'none'} days before expiry; "
              f"organisation e-mail {'on' if org.remind_issuer else 'off'} ({org.email or 'no address set'})")
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


def _dlc_grant(args: argparse.Namespace, svc: Services) -> int:
    with transaction(svc.sessions) as session:
        row = dlc.grant(session, svc.issuing, svc.platform.identity, slug=args.slug, valid_until=args.until,
                        now=_now())
        print(f"Certified {args.slug} until {args.until.astimezone(KOREA):%Y-%m-%d} (Korea): "
              f"{dlc.certification_url(svc.issuing, row.id)}")
    return 0


def _pathways_award(args: argparse.Namespace, svc: Services) -> int:
    issued = svc.pathways.everyone(_now())
    print(f"Issued {issued} track badge(s).")
    return 0


def _dlc_revoke(args: argparse.Namespace, svc: Services) -> int:
    with transaction(svc.sessions) as session:
        row = dlc.revoke(session, svc.issuing, svc.platform.identity, slug=args.slug, reason=args.reason, now=_now())
        print(f"Revoked the Digital Leaders Club certification of {args.slug}: "
              f"{dlc.certification_url(svc.issuing, row.id)}")
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


def _rotate_kek(args: argparse.Namespace, svc: Services) -> int:
    settings = svc.settings
    print(f"Re-sealing under the key-encryption key {keys.kek_id(settings.key_encryption_key).hex()} "
          f"({len(settings.old_key_encryption_keys)} old KEK(s) to open with)", flush=True)
    done = key_custody.rotate(svc.sessions, kek=settings.key_encryption_key, old=settings.old_key_encryption_keys)
    print(f"Re-sealed {len(done.resealed)}, already under this KEK {len(done.skipped)}, failed {len(done.failed)}")
    for record, why in done.failed:
        print(f"  {record}: {why}", file=sys.stderr)
    if done.failed:
        print("Give the KEK those records were sealed with in BADGES_OLD_KEY_ENCRYPTION_KEYS and run this again.",
              file=sys.stderr)
        return 1
    print("Every sealed key is under this KEK. Once every app server and worker runs with it, remove the old "
          "KEK (BADGES_OLD_KEY_ENCRYPTION_KEYS, or instance/key_encryption_key.old) and restart them.")
    return 0


def _backup(args: argparse.Namespace, svc: Services) -> int:
    settings, dest = svc.settings, args.dest.resolve()
    manifest_path = dest.with_name(dest.name + ".manifest.json")
    if args.secrets is not None and args.secrets.resolve() in (dest, manifest_path):
        raise ConfigError("--secrets must name a file of its own: the KEK never goes into the backup's files.")
    keks = (settings.key_encryption_key, *settings.old_key_encryption_keys)
    kind = backup.backup(settings.database_url, dest)
    manifest = backup.manifest(settings.database_url, dest, kind=kind, keks=keks, made_at=_now())
    _write_new(manifest_path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    if args.secrets is not None:
        old = ",".join(base64.b64encode(k).decode() for k in settings.old_key_encryption_keys)
        _write_new(args.secrets, f"# badges instance secrets, {_now():%Y-%m-%d %H:%M} UTC: keep apart from {dest.name}\n"
                   f"BADGES_SECRET_KEY={settings.secret_key}\n"
                   f"BADGES_KEY_ENCRYPTION_KEY={base64.b64encode(settings.key_encryption_key).decode()}\n"
                   + (f"BADGES_OLD_KEY_ENCRYPTION_KEYS={old}\n" if old else ""))
    print(f"Backed up the {kind} database to {dest} ({manifest['bytes']} bytes, sha256 {manifest['sha256']})\n"
          f"Manifest: {manifest_path}\nNot in the backup, keep it elsewhere: "
          + ("the secrets, written to " + str(args.secrets) if args.secrets else
             "the key-encryption key (BADGES_KEY_ENCRYPTION_KEY or instance/key_encryption_key), without which no "
             "signing key opens, and the secret key (BADGES_SECRET_KEY or instance/secret_key)") + ".")
    return 0


def _restore(args: argparse.Namespace, svc: Services) -> int:
    settings = svc.settings
    backup.restore(settings.database_url, args.src, force=args.force)
    upgrade(settings.database_url)
    keks = (settings.key_encryption_key, *settings.old_key_encryption_keys)
    with svc.sessions() as session:
        census = key_custody.kek_census(session, keks)
    print(f"Restored {args.src} into {make_url(settings.database_url).render_as_string(hide_password=True)}")
    if census.get("unknown"):
        print(f"warning: {census['unknown']} sealed key(s) need a key-encryption key this instance does not have; "
              "set BADGES_KEY_ENCRYPTION_KEY to the KEK of the backed-up instance (see the backup's manifest for "
              "its fingerprint) before issuing.", file=sys.stderr)
        return 1
    return 0


def _write_new(path: Path, content: str) -> None:
    """A new file of mode 0600 holding `content` (never overwrites one)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigError(f"{path} exists already; choose a new file.") from None
    with os.fdopen(fd, "w") as f:
        f.write(content)


def _org_create(args: argparse.Namespace, svc: Services) -> int:
    if args.slug == svc.settings.platform_slug:
        raise Conflict("org.slug_platform", f"{args.slug!r} is the platform's own identity (BADGES_PLATFORM_SLUG); "
                       "choose another short name.")
    with transaction(svc.sessions) as session:
        now = _now()
        org = service.create_org(session, svc.issuing, slug=args.slug, name_ko=args.name_ko, name_en=args.name_en,
                                 url=args.url, email=args.email, now=now, key_custody=args.key_custody)
        membership.enrol(session, org=org, role=membership.MemberRole(args.role),
                         kind=membership.MemberKind(args.kind), actor="cli", now=now)
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
    logs.configure()
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
    reading = resolver.reading() if isinstance(resolver, LocalResolver) else nullcontext(resolver.spending())
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
