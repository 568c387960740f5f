"""`rahnuma`: run the stack, chat with it, and keep content in shape."""

# A command imports its parts when it runs, so `rahnuma --help` and `chat` start at once.
from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
import uuid
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import yaml

from bot.config import ROOT, get_settings
from bot.logs import configure_logging

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from bot.store import Database, StaffMember

    # What add_subparsers returns: argparse gives it no public name.
    _Commands = argparse._SubParsersAction[argparse.ArgumentParser]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_logging(logging.WARNING)
    return _COMMANDS[args.command](args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rahnuma", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    _add_run(commands)
    _add_chat(commands)
    _add_content(commands)
    _add_services(commands)
    _add_purge(commands)
    _add_keys(commands)
    _add_staff(commands)
    return parser


def _add_run(commands: _Commands) -> None:
    run = commands.add_parser("run", help="start engine, actions and gateway; Ctrl-C stops all")
    run.add_argument("--gateway-port", type=int, default=8000)
    run.add_argument("--engine-port", type=int, default=5005)
    run.add_argument("--actions-port", type=int, default=5055)


def _add_chat(commands: _Commands) -> None:
    chat = commands.add_parser("chat", help="talk to the running bot through the simulator")
    chat.add_argument("--url", default="http://127.0.0.1:8000")
    chat.add_argument("--channel", choices=["sms", "telegram"], default="sms")
    chat.add_argument("--lang", choices=["en", "ur", "ur_Latn"], help="start in this language")
    chat.add_argument("--from", dest="sender", help="simulated sender (default: a new one)")


def _add_content(commands: _Commands) -> None:
    content = commands.add_parser("content", help="content tools")
    content_commands = content.add_subparsers(dest="content_command", required=True)
    content_commands.add_parser("locations", help="regenerate NLU place names from the gazetteer")
    i18n = content_commands.add_parser(
        "i18n", help="update messages.pot and every catalog; compile them"
    )
    i18n.add_argument("--prune", action="store_true", help="also remove keys no longer in use")
    checking = content_commands.add_parser("check", help="check every text, menu and number")
    checking.add_argument("--skip-rasa", action="store_true", help="leave out `rasa data validate`")
    checking.add_argument("--locales", type=Path, help="check these catalogs instead")
    content_commands.add_parser(
        "sources", help="write docs/content-sources.md: where each fact and listing comes from"
    )
    syncing = content_commands.add_parser(
        "sync", help="bring the working texts and flows up to a release, keeping editors' changes"
    )
    syncing.add_argument("--from", dest="release", type=Path, required=True,
                         help="the release: the folder with locales/ and content/")  # fmt: skip
    preview = content_commands.add_parser("preview", help="a message in every language and channel")
    preview.add_argument("key")
    publishing = content_commands.add_parser("publish", help="check, then make the content live")
    publishing.add_argument("--by", required=True, help="who publishes (kept in the record)")
    publishing.add_argument(
        "--model",
        action="store_true",
        help="retrain and load the model even if flows look unchanged",
    )


def _add_services(commands: _Commands) -> None:
    services = commands.add_parser("services", help="the service directory")
    service_commands = services.add_subparsers(dest="services_command", required=True)
    importing = service_commands.add_parser(
        "import", help="import listings (YAML or CSV), all or nothing"
    )
    importing.add_argument("file", type=Path)
    importing.add_argument("--by", required=True, help="who is importing (kept in the history)")
    importing.add_argument("--dry-run", action="store_true", help="check only; change nothing")
    exporting = service_commands.add_parser("export", help="print every listing as YAML or CSV")
    exporting.add_argument("--format", choices=["yaml", "csv"], default="yaml")
    for name, text in [
        ("verify", "a named person confirmed it"),
        ("expire", "take it out of answers"),
        ("suspend", "take it out of answers pending a review"),
    ]:
        change = service_commands.add_parser(name, help=text)
        change.add_argument("id")
        change.add_argument("--by", required=True)
        change.add_argument("--reason", default="")
        if name == "verify":  # kept in the listing's history, as the console keeps it
            change.add_argument("--how", default="", help="phone call, visit or official source")
            change.add_argument("--note", default="", help="a short note on the check")
    due = service_commands.add_parser("due", help="listings needing a re-check, soonest first")
    due.add_argument("--within", type=int, default=30, help="days ahead (default 30)")


def _add_purge(commands: _Commands) -> None:
    purging = commands.add_parser(
        "purge", help="delete what is older than the retention period (the gateway does it hourly)"
    )
    purging.add_argument(
        "--as-of",
        type=date.fromisoformat,
        help="purge as if it were this date (YYYY-MM-DD): see what a later purge removes",
    )


def _add_keys(commands: _Commands) -> None:
    keys = commands.add_parser("keys", help="the address-encryption and pseudonym keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    key_commands.add_parser("new", help="print a fresh pair of keys")
    key_commands.add_parser(
        "rotate",
        help="re-seal and re-pseudonymise everything with RAHNUMA_NEW_ADDRESS_KEY and "
        "RAHNUMA_NEW_PSEUDONYM_KEY (stop the gateway and the engine first)",
    )


def _add_staff(commands: _Commands) -> None:
    staff = commands.add_parser("staff", help="staff console accounts")
    staff_commands = staff.add_subparsers(dest="staff_command", required=True)
    adding = staff_commands.add_parser("add", help="create an account (asks for the password)")
    adding.add_argument("username")
    adding.add_argument("--name", default="", help="the name colleagues see")
    adding.add_argument("--role", choices=["worker", "editor", "admin"], default="worker")
    adding.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    staff_commands.add_parser("list", help="every account, its role and whether it is active")
    for name, text in [
        ("disable", "refuse sign-in and end its sessions"),
        ("enable", "allow"),
        ("reset-two-factor", "turn its two-step sign-in off (lost phone) and end its sessions"),
    ]:
        staff_commands.add_parser(name, help=text).add_argument("username")


def _keys(args: argparse.Namespace) -> int:
    import os

    from bot.privacy.erasure import TrackerStore
    from bot.privacy.key_rotation import Keys, new_address_key, new_pseudonym_key, rotate_keys
    from bot.store import Database

    if args.keys_command == "new":
        print(f"RAHNUMA_NEW_ADDRESS_KEY={new_address_key()}")
        print(f"RAHNUMA_NEW_PSEUDONYM_KEY={new_pseudonym_key()}")
        return 0
    settings = get_settings()
    old = Keys(settings.pseudonym_key, settings.address_key)
    new = Keys(
        os.environ.get("RAHNUMA_NEW_PSEUDONYM_KEY") or old.pseudonym_key,
        os.environ.get("RAHNUMA_NEW_ADDRESS_KEY") or old.address_key,
    )
    if new == old:
        print("Set RAHNUMA_NEW_ADDRESS_KEY and/or RAHNUMA_NEW_PSEUDONYM_KEY "
              "(`rahnuma keys new` makes them).", file=sys.stderr)  # fmt: skip
        return 1
    db = Database(settings.database_url)
    db.migrate()
    try:
        rotated = rotate_keys(db, TrackerStore(settings.tracker_db_url), old, new)
    except ValueError as exc:
        print(f"Nothing could be rotated: {exc}. Are the current keys right?", file=sys.stderr)
        return 1
    print(
        f"Rotated: {rotated.people} people, {rotated.sealed} values sealed again, "
        f"{rotated.tracker_events} tracker events moved.\n"
        "Now set RAHNUMA_ADDRESS_KEY and RAHNUMA_PSEUDONYM_KEY to the new values, "
        "then start the stack."
    )
    return 0


def _purge(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, timedelta

    from bot.privacy.erasure import TrackerStore
    from bot.privacy.retention import purge
    from bot.store import Database

    settings = get_settings()
    db = Database(settings.database_url)
    db.migrate()
    now = datetime.combine(args.as_of, datetime.now(UTC).time(), UTC) if args.as_of else None
    purged = purge(
        db,
        TrackerStore(settings.tracker_db_url),
        retention=timedelta(days=settings.retention_days),
        now=now,
    )
    print(f"Purged {purged} (retention {settings.retention_days} days).")
    return 0


def _staff(args: argparse.Namespace) -> int:
    import getpass

    from sqlalchemy import select

    from bot.console import audit
    from bot.console.auth import PasswordPolicyError, add_staff, end_all_sessions
    from bot.store import Database, Role, StaffMember

    db = Database(get_settings().database_url)
    db.migrate()
    with db.session() as session:
        if args.staff_command == "list":
            for member in session.scalars(select(StaffMember).order_by(StaffMember.username)):
                state = "active" if member.active else "disabled"
                print(f"{member.username}\t{member.role}\t{state}\t{member.display_name}")
            return 0
        if args.staff_command == "add":
            if args.password_stdin:
                password = sys.stdin.readline().rstrip("\n")
            else:
                password = getpass.getpass("Password (12+ characters): ")
                if getpass.getpass("Again: ") != password:
                    print("The passwords differ; nothing was created.", file=sys.stderr)
                    return 1
            try:
                member = add_staff(
                    session,
                    username=args.username,
                    display_name=args.name,
                    role=Role(args.role),
                    password=password,
                )
            except (PasswordPolicyError, ValueError) as exc:
                print(f"Not created: {exc}", file=sys.stderr)
                return 1
            audit.record(session, None, "added staff", detail=f"{member.username} ({member.role})",
                         username="command line")  # fmt: skip
            print(f"Created {member.username} ({member.role}).")
            return 0
        found = session.scalar(select(StaffMember).where(StaffMember.username == args.username))
        if found is None:
            print(f"No account {args.username!r}.", file=sys.stderr)
            return 1
        member = found
        if args.staff_command == "reset-two-factor":
            return _reset_two_factor(session, member)
        member.active = args.staff_command == "enable"
        if not member.active:
            end_all_sessions(session, member.id)
        audit.record(session, None, f"{args.staff_command}d staff", detail=member.username,
                     username="command line")  # fmt: skip
        print(f"{member.username} is {'active' if member.active else 'disabled'}.")
    return 0


def _reset_two_factor(session: Session, member: StaffMember) -> int:
    """For the last admin who lost their phone and their recovery codes: nobody else can."""
    from bot.console import audit
    from bot.console.auth import end_all_sessions
    from bot.console.two_factor import reset_two_factor

    reset_two_factor(session, member)
    end_all_sessions(session, member.id)
    audit.record(session, None, "reset two-factor", detail=member.username,
                 username="command line")  # fmt: skip
    print(f"{member.username}'s two-step sign-in is off; it sets it up again at its next "
          "sign-in where that is required.")  # fmt: skip
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _run(args: argparse.Namespace) -> int:
    from bot.ops.stack import Ports, Stack

    stack = Stack(get_settings(), Ports(args.gateway_port, args.engine_port, args.actions_port))
    # Explicit handlers: a process started in the background inherits an ignored SIGINT.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        print("Starting the action server, the engine (about 30 s) and the gateway...")
        stack.start()
        stack.wait_healthy()
        print(
            f"\nRahnuma is running: gateway http://127.0.0.1:{args.gateway_port} "
            f"(engine :{args.engine_port}, actions :{args.actions_port}).\n"
            f"Talk to it:  .venv/bin/rahnuma chat --lang en   (or --lang ur, --lang ur_Latn)\n"
            f"Or:          curl -s localhost:{args.gateway_port}/simulator/messages "
            "-H 'content-type: application/json' "
            """-d '{"channel":"sms","from":"demo","text":"salam"}'\n"""
            f"Staff console: http://127.0.0.1:{args.gateway_port}/console "
            "(accounts: .venv/bin/rahnuma staff add NAME --role worker)\n"
            f"Logs in var/*.log. Ctrl-C stops everything."
        )
        while all(p.poll() is None for p in stack.processes.values()):
            time.sleep(1)
        print("A part stopped unexpectedly; see var/*.log", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping...")
        return 0
    except (RuntimeError, TimeoutError) as exc:
        print(f"Could not start: {exc}", file=sys.stderr)
        return 1
    finally:
        stack.stop()


_LANGUAGE_WORDS = {"en": "english", "ur": "اردو", "ur_Latn": "roman urdu"}


def _chat(args: argparse.Namespace) -> int:
    sender = args.sender or f"chat-{uuid.uuid4().hex[:8]}"
    url = f"{args.url.rstrip('/')}/simulator/messages"

    def send(text: str) -> None:
        body = {"channel": args.channel, "from": sender, "text": text}
        try:
            response = httpx.post(url, json=body, timeout=30)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            print(f"(the gateway did not answer: {exc}; is `make run` going?)", file=sys.stderr)
            return
        for reply in response.json()["replies"]:
            print(f"\nbot> {reply['text']}")
            if args.channel == "telegram" and reply["options"]:
                print("     [" + "] [".join(reply["options"]) + "]")
            print(f"     ({reply['segments']} SMS segment(s), {reply['encoding']})")

    print("Type a message; an empty line or Ctrl-D ends the chat.")
    if args.lang:
        send(_LANGUAGE_WORDS[args.lang])
    while True:
        try:
            text = input("\nyou> ")
        except EOFError:
            return 0
        if not text.strip():
            return 0
        send(text)


def _services(args: argparse.Namespace) -> int:
    from bot.directory.curation import UnknownListingError
    from bot.store import Database

    db = Database(get_settings().database_url)
    db.migrate()
    try:
        return _SERVICE_COMMANDS[args.services_command](args, db, date.today())
    except (UnknownListingError, ValueError) as exc:
        print(str(exc).strip("'\""), file=sys.stderr)
        return 1
    finally:
        db.engine.dispose()


def _import_listings(args: argparse.Namespace, db: Database, today: date) -> int:
    from bot.directory import load_gazetteer
    from bot.directory.importer import apply, read_records, validate

    records, problems = read_records(args.file)
    gazetteer = load_gazetteer(get_settings().gazetteer_file)
    listings, more = validate(records, gazetteer, today=today)
    problems += more
    if problems:
        for problem in problems:
            print(f"{args.file}: {problem}", file=sys.stderr)
        print(f"{len(problems)} problem(s): nothing was imported.", file=sys.stderr)
        return 1
    if args.dry_run:
        print(f"{len(listings)} listings are valid; nothing changed (--dry-run).")
        return 0
    with db.session() as session:
        report = apply(session, listings, by=args.by)
    print(f"imported: {len(report.created)} new, {len(report.updated)} updated.")
    return 0


def _export_listings(args: argparse.Namespace, db: Database, today: date) -> int:
    from bot.directory.importer import export_records, write_csv

    with db.session() as session:
        exported = export_records(session)
    if args.format == "yaml":
        print(yaml.safe_dump({"entries": exported}, allow_unicode=True, sort_keys=False), end="")
    else:
        write_csv(exported, sys.stdout)  # the console's export: both import back
    return 0


def _change_listing(args: argparse.Namespace, db: Database, today: date) -> int:
    """verify, expire or suspend one listing."""
    from bot.directory.curation import set_status, verify

    command = args.services_command
    with db.session() as session:
        if command == "verify":
            listing = verify(
                session, args.id, by=args.by, today=today, how=args.how, note=args.note
            )
        else:
            status = f"{command}d" if command == "expire" else "suspended"
            listing = set_status(session, args.id, status, by=args.by, reason=args.reason)
        print(
            f"{listing.id}: {listing.status}"
            + (f", next check due {listing.next_check_due}" if command == "verify" else "")
        )
    return 0


def _due_listings(args: argparse.Namespace, db: Database, today: date) -> int:
    from bot.directory import due_for_check

    with db.session() as session:
        for item in due_for_check(session, today=today, within_days=args.within):
            print(
                f"{item.next_check_due or 'never checked'}  {item.id}  ({item.status}, "
                f"last verified by {item.verified_by or 'nobody'})"
            )
    return 0


_SERVICE_COMMANDS: dict[str, Callable[[argparse.Namespace, Database, date], int]] = {
    "import": _import_listings,
    "export": _export_listings,
    "verify": _change_listing,
    "expire": _change_listing,
    "suspend": _change_listing,
    "due": _due_listings,
}


def _content(args: argparse.Namespace) -> int:
    settings = get_settings()
    command = args.content_command
    if command == "locations":
        return _locations()
    if command == "i18n":
        from bot.editing.catalogs import compile_all, update

        for path in update(settings.locales_dir, prune=args.prune):
            print(f"updated {path}")
        compiled = compile_all(settings.locales_dir)
        print(f"compiled {len(compiled)} catalogs")
        return 0
    if command == "check":
        from bot.editing.check import run_checks

        findings = run_checks(settings, locales_dir=args.locales, rasa=not args.skip_rasa)
        for finding in findings:
            print(finding, file=sys.stderr)
        print(f"{len(findings)} problem(s)" if findings else "content check passed")
        return 1 if findings else 0
    if command == "sources":
        from bot.editing.sources import write_doc

        print(f"wrote {write_doc(settings)}")
        return 0
    if command == "preview":
        return _preview(args.key)
    if command == "sync":
        from bot.editing.working_copy import sync

        synced = sync(args.release, settings.locales_dir, settings.content_dir,
                      settings.dialogues_dir)  # fmt: skip
        print(f"working copy in step with the release: {synced}")
        return 0
    if command == "publish":
        from bot.editing.publish import publish

        result = publish(settings, by=args.by, force_model=args.model)
        for finding in result.findings:
            print(finding, file=sys.stderr)
        if not result.ok:
            print(f"{len(result.findings)} problem(s): nothing was published.", file=sys.stderr)
            return 1
        print(
            f"published {result.version}: {len(result.changed_keys)} text(s) changed"
            + (", new model loaded" if result.model_swapped else "")
        )
        return 0
    return 2


def _preview(key: str) -> int:
    from bot.editing.check import SAMPLE_PARAMS
    from bot.wording.catalogs import Catalogs, MissingMessageError
    from bot.wording.messages import BotMessage
    from bot.wording.render import Channel, render

    catalogs = Catalogs(get_settings().locales_dir)
    for language in catalogs.languages:
        try:
            catalogs.text(language, key)
        except MissingMessageError:
            print(f"== {language}: missing")
            continue
        for channel in (Channel.SMS, Channel.TELEGRAM):
            for reply in render(BotMessage(key, params=SAMPLE_PARAMS), language, channel, catalogs):
                detail = (
                    f"{reply.segments} segment(s), {reply.encoding}"
                    if channel is Channel.SMS
                    else "buttons below"
                )
                print(f"== {language} / {channel} ({detail})\n{reply.text}\n")
    return 0


def _locations() -> int:
    from bot.directory.nlu_export import locations_nlu

    target = ROOT / "dialogues" / "data" / "nlu" / "shared" / "locations.yml"
    target.write_text(locations_nlu(get_settings().gazetteer_file), encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")
    return 0


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": _run,
    "chat": _chat,
    "content": _content,
    "services": _services,
    "purge": _purge,
    "keys": _keys,
    "staff": _staff,
}

if __name__ == "__main__":
    sys.exit(main())
