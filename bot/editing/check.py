"""`rahnuma content check`: everything a wrong sentence could break, before a survivor sees it.

Each finding names the file and line and says how to fix it. The checks:
keys in use exist in every catalog, translated and not fuzzy; placeholders agree with
English; every message, with the menu it is really sent with, fits two SMS segments in
every language; no forbidden word in a first line; no blaming phrase; every phone number
written in a message is a listing that may reach survivors; every legal statement and
every listing names its public source (`sources`); the template is current; Rasa's own data
validation passes.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from rapidfuzz.distance import DamerauLevenshtein
from sqlalchemy import select

from bot.config import ROOT, Environment, Settings
from bot.conversation.danger import DangerLexicon
from bot.conversation.keywords import DESTRUCTIVE, Keyword, fold, read_keyword_words
from bot.directory.demo import seed_demo
from bot.directory.gazetteer import load_gazetteer
from bot.directory.listings import reachable
from bot.editing.catalogs import TEMPLATE, stale
from bot.editing.message_keys import all_keys
from bot.editing.sources import (
    SOURCES_FILE,
    english_texts,
    listing_gaps,
    load_sources,
    read_seed,
    text_gaps,
)
from bot.editing.training_data import training_phrases
from bot.editing.walk import collect_messages  # the real flows, run without the engine
from bot.handoff.canned import CANNED_FILE, load_canned_replies
from bot.handoff.hours import StaffHours, StaffHoursError
from bot.store import Database, ServiceListing
from bot.wording.catalogs import DOMAIN, CatalogError, Catalogs, placeholders, read_catalog
from bot.wording.languages import normalize
from bot.wording.messages import BotMessage
from bot.wording.preview import (
    PREVIEW_CHARS,
    load_trigger_words,
    organisation_problems,
    trigger_in_preview,
)
from bot.wording.render import Channel, render
from bot.wording.segments import MAX_SEGMENTS, sms_shape

SAMPLE_PARAMS = {
    "days": 30,
    "place": "Dera Ghazi Khan",
    "country": "United Arab Emirates",  # the longest country abroad
    "name": "Punjab Women Helpline (PCSW)",
    "phone": "111-247-786",
    "hours": "24/7",
    # When staff are back: the longest wording, with the longest weekday name.
    "when": {
        "key": "hours.on_day",
        "params": {"day": {"key": "weekday.wednesday"}, "time": "09:00"},
    },
    "time": "09:00",
    "day": {"key": "weekday.wednesday"},
}
# The first reply names the deploying organisation: budget for a long name (30 letters).
SAMPLE_CONSTANTS = {
    "organisation": {"*": "Sahil Trust for Women and Girls", "ur": "ساحل ٹرسٹ برائے خواتین و بچیاں"}
}
# A keyword may be a word of its own intent's examples ("delete my data" is delete_data).
_OWN_INTENTS = {Keyword.DELETE: {"delete_data"}}
# Digit groups that are phone numbers: three digits or more (an age or a count, "under 18",
# is not one; the two-digit police number 15 is a listing anyway); years (1900-2099) are not.
_NUMBER = re.compile(r"(?<![\d-])\d[\d-]*\d(?![\d-])")
_YEAR = re.compile(r"^(19|20)\d\d$")


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.problem}\n    fix: {self.fix}"


def run_checks(
    settings: Settings, *, locales_dir: Path | None = None, rasa: bool = True
) -> list[Finding]:
    locales_dir = locales_dir or settings.locales_dir
    findings: list[Finding] = _handoff_content(settings)
    catalogs = _read_catalogs(locales_dir, findings)
    if findings:
        return findings  # a broken file hides everything else
    rules = yaml.safe_load((settings.content_dir / "checks.yml").read_text(encoding="utf-8"))
    keys = all_keys()
    for language, (path, catalog) in catalogs.items():
        by_key = {str(m.id): m for m in catalog if m.id}
        findings += _completeness(path, by_key, keys, language)
        if language != "en":
            findings += _placeholders(path, by_key, catalogs["en"][1])
        findings += _wording(path, by_key, rules)
    findings += _keywords(settings)
    findings += [
        Finding(".env", 0, problem, "name the organisation shortly and neutrally")
        for problem in organisation_problems(settings)
    ]
    findings += _segments(locales_dir, catalogs, rules)
    findings += _phone_numbers(settings, catalogs)
    findings += _sources(settings, catalogs, keys)
    findings += [
        Finding(
            str(locales_dir / TEMPLATE),
            1,
            f"the template is stale: {item}",
            "run `make i18n` and commit the catalogs",
        )
        for item in stale(locales_dir)
    ]
    if rasa:
        findings += _rasa_validate()
    return findings


def _sources(
    settings: Settings, catalogs: dict[str, tuple[Path, Catalog]], keys: dict[str, str]
) -> list[Finding]:
    """Every legal statement and every listing names its public source."""
    english = english_texts(catalogs["en"][1], keys)
    gaps = text_gaps(
        load_sources(settings.content_dir), english, str(settings.content_dir / SOURCES_FILE)
    ) + listing_gaps(read_seed(settings.seed_services_file), str(settings.seed_services_file))
    return [Finding(gap.file, 0, gap.problem, gap.fix) for gap in gaps]


def _handoff_content(settings: Settings) -> list[Finding]:
    """The staff hours and the canned replies must load, or handoffs would go wrong."""
    findings = []
    try:
        StaffHours.from_file(settings.staff_hours_file)
    except StaffHoursError as exc:
        findings.append(
            Finding(
                str(settings.staff_hours_file),
                1,
                str(exc),
                'each day is a list of "HH:MM-HH:MM" spans; see the comment at the top',
            )
        )
    try:
        load_canned_replies(settings.content_dir)
    except (ValueError, yaml.YAMLError) as exc:
        findings.append(
            Finding(
                str(settings.content_dir / CANNED_FILE),
                1,
                f"the canned replies can't be read: {exc}",
                "each entry is `- key: canned.<name>` with a `label:` for staff",
            )
        )
    return findings


def _line(message: Message | None) -> int:
    return int(getattr(message, "lineno", 0) or 0)


def _read_catalogs(locales_dir: Path, findings: list[Finding]) -> dict[str, tuple[Path, Catalog]]:
    catalogs = {}
    for po in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        try:
            read_catalog(po)  # our stricter syntax check
            with po.open("rb") as fh:
                catalogs[po.parent.parent.name] = (po, read_po(fh))
        except CatalogError as exc:
            line = int(m.group(1)) if (m := re.search(r":(\d+):", str(exc))) else 1
            findings.append(
                Finding(
                    str(po),
                    line,
                    f"the file can't be read: {exc}",
                    'fix the quoting on that line (every string opens and closes with ")',
                )
            )
    if "en" not in catalogs and not findings:
        findings.append(
            Finding(str(locales_dir), 0, "there is no English catalog", "restore locales/en")
        )
    return catalogs


def _completeness(
    path: Path, by_key: dict[str, Message], keys: dict[str, str], language: str
) -> list[Finding]:
    found = []
    for key, where in sorted(keys.items()):
        message = by_key.get(key)
        if message is None:
            found.append(
                Finding(
                    str(path),
                    0,
                    f"{key!r} (used at {where}) is missing",
                    "run `make i18n`, then translate the new entry",
                )
            )
        elif not message.string:
            found.append(
                Finding(
                    str(path),
                    _line(message),
                    f"{key!r} is not translated into {language}",
                    "write the translation in its msgstr",
                )
            )
        elif message.fuzzy:
            found.append(
                Finding(
                    str(path),
                    _line(message),
                    f"{key!r} is marked fuzzy",
                    "check the translation, then remove the `#, fuzzy` line",
                )
            )
    return found


def _placeholders(path: Path, by_key: dict[str, Message], english: Catalog) -> list[Finding]:
    found = []
    for message in english:
        if not message.id or not message.string:
            continue
        translated = by_key.get(str(message.id))
        if translated is None or not translated.string:
            continue
        want, got = placeholders(str(message.string)), placeholders(str(translated.string))
        if want != got:
            found.append(
                Finding(
                    str(path),
                    _line(translated),
                    f"{message.id!r} has placeholders {sorted(got)}, English has {sorted(want)}",
                    "keep every {name} exactly as in English; translate the words around it",
                )
            )
    return found


def _wording(path: Path, by_key: dict[str, Message], rules: dict[str, list[str]]) -> list[Finding]:
    found = []
    triggers = [normalize(str(w)).lower() for w in rules.get("forbidden_in_preview", [])]
    blaming = [w.lower() for w in rules.get("blaming", [])]
    for key, message in sorted(by_key.items()):
        text = str(message.string or "")
        word = trigger_in_preview(text, triggers)
        if word is not None:
            found.append(
                Finding(
                    str(path),
                    _line(message),
                    f"{key!r}: {word!r} in the first {PREVIEW_CHARS} characters, "
                    "which a locked phone shows",
                    "start with a neutral sentence and move the word after it",
                )
            )
        for phrase in blaming:
            if phrase in text.lower():
                found.append(
                    Finding(
                        str(path),
                        _line(message),
                        f"{key!r}: blaming phrase {phrase!r}",
                        "rephrase without blame (content/checks.yml lists what to avoid)",
                    )
                )
    return found


def _keywords(settings: Settings) -> list[Finding]:
    """EXIT, STOP and DELETE words can't misfire: none is an ordinary word of the training
    data (other than its own intent's) or one edit from a distress phrase (rule 10)."""
    path = settings.content_dir / "keywords.yml"
    try:
        words = read_keyword_words(path)
    except (ValueError, yaml.YAMLError) as exc:
        return [Finding(str(path), 1, f"the keywords can't be read: {exc}", "see the header")]
    distress = DangerLexicon.from_file(settings.content_dir / "danger.yml").phrases()
    phrases = training_phrases()
    found = []
    for item in words:
        if item.keyword not in DESTRUCTIVE:
            continue
        word = fold(item.word)
        others = phrases.get(word, set()) - _OWN_INTENTS.get(item.keyword, set())
        if not item.carrier and others:
            found.append(
                Finding(
                    str(path),
                    1,
                    f"{item.keyword} word {item.word!r} is an ordinary word of the training data"
                    f" ({', '.join(sorted(others))}): someone could send it meaning something else",
                    "choose a word people send only for this command",
                )
            )
        near = next(
            (p for p in distress if DamerauLevenshtein.distance(word, p, score_cutoff=1) <= 1),
            None,
        )
        if near is not None:
            found.append(
                Finding(
                    str(path),
                    1,
                    f"{item.keyword} word {item.word!r} is within "
                    f"one edit of the distress phrase {near!r}",
                    "a word of distress must reach the emergency flow: choose another word",
                )
            )
    return found


def _segments(
    locales_dir: Path, catalogs: dict[str, tuple[Path, Catalog]], rules: dict[str, list[str]]
) -> list[Finding]:
    """Every message as the flows really send it (with its menu, its service list and the
    list's continuations), and every key alone: two SMS segments at most, and nothing a
    locked phone must not show."""
    loaded = Catalogs(locales_dir, constants=SAMPLE_CONSTANTS)
    messages = collect_messages() + [BotMessage(k, params=SAMPLE_PARAMS) for k in all_keys()]
    triggers = [normalize(str(w)).lower() for w in rules.get("forbidden_in_preview", [])]
    worst: dict[tuple[str, str], tuple[int, str, int]] = {}
    shown: dict[tuple[str, str], str] = {}
    for language in catalogs:
        for message, channel in [(m, c) for m in messages for c in Channel]:
            try:
                replies = render(message, language, channel, loaded)
            except KeyError:
                continue  # reported as missing above
            for reply in replies:
                word = trigger_in_preview(reply.text, triggers)
                if word is not None and not _flagged_alone(loaded, language, message, triggers):
                    shown[(language, message.key)] = f"{word!r} in {reply.text[:60]!r}…"
            if channel is not Channel.SMS:
                continue
            for reply in replies:
                shape = sms_shape(reply.text)
                if (
                    shape.segments > MAX_SEGMENTS
                    and shape.segments > worst.get((language, message.key), (0, "", 0))[0]
                ):
                    worst[(language, message.key)] = (shape.segments, shape.encoding, shape.units)
    found = []
    for (language, key), (segments, encoding, units) in sorted(worst.items()):
        path, catalog = catalogs[language]
        limit = 134 if encoding == "UCS-2" else 306
        found.append(
            Finding(
                str(path),
                _line(catalog.get(key)),
                f"{key!r} needs {segments} SMS segments in {language} "
                f"({units} {encoding} characters with its menu)",
                f"shorten it: at most {limit} characters including the menu lines",
            )
        )
    for (language, key), what in sorted(shown.items()):
        path, catalog = catalogs[language]
        found.append(
            Finding(
                str(path),
                _line(catalog.get(key)),
                f"{key!r} as sent in {language} shows {what} on a locked phone "
                f"(first {PREVIEW_CHARS} characters, menu and service list included)",
                "move the word later, or give the listing a neutral name",
            )
        )
    return found


def _flagged_alone(
    catalogs: Catalogs, language: str, message: BotMessage, triggers: list[str]
) -> bool:
    """The text alone has the word: `_wording` reported it already, with its line."""
    try:
        return trigger_in_preview(catalogs.text(language, message.key), triggers) is not None
    except KeyError:
        return False


def _phone_numbers(settings: Settings, catalogs: dict[str, tuple[Path, Catalog]]) -> list[Finding]:
    db = Database(settings.database_url)
    db.migrate()
    include_demo = settings.environment != Environment.PRODUCTION
    with db.session() as session:
        if include_demo:
            seed_demo(
                session,
                settings.seed_services_file,
                load_gazetteer(settings.gazetteer_file),
                today=date.today(),
            )
        listings = list(
            session.scalars(select(ServiceListing).where(*reachable(date.today(), include_demo)))
        )
        known = {re.sub(r"\D", "", phone) for item in listings for phone in item.phones}
        names = [(item.id, lang, name) for item in listings for lang, name in item.names.items()]
    db.engine.dispose()
    # A long service list continues in a second SMS that starts with a listing's name.
    triggers = load_trigger_words(settings.content_dir)
    found = [
        Finding(
            "service directory",
            0,
            f"listing {key!r} is named {name!r} in {lang}: {word!r} would show on a locked phone",
            "give it a neutral display name (`rahnuma services`), e.g. 'Emergency 1122'",
        )
        for key, lang, name in names
        if (word := trigger_in_preview(name, triggers)) is not None
    ]
    for path, catalog in catalogs.values():
        for message in catalog:
            if not message.id:
                continue  # the header
            for number in _NUMBER.findall(str(message.string or "")):
                digits = re.sub(r"\D", "", number)
                if len(digits) >= 3 and not _YEAR.match(number) and digits not in known:
                    found.append(
                        Finding(
                            str(path),
                            _line(message),
                            f"{message.id!r} gives the number {number}, not a verified listing",
                            "verify the listing (`rahnuma services verify`) or remove the number",
                        )
                    )
    return found


def _rasa_validate() -> list[Finding]:
    rasa = ROOT / ".venv-rasa" / "bin" / "rasa"
    if not rasa.exists():
        return [Finding("dialogues/", 0, "the engine environment is missing", "run `make install`")]
    command = [
        str(rasa),
        "data",
        "validate",
        "--domain",
        "dialogues/domain",
        "--data",
        "dialogues/data",
        "--config",
        "dialogues/config.yml",
        "--fail-on-warnings",
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode == 0:
        return []
    problems = [
        ln
        for ln in (result.stdout + result.stderr).splitlines()
        if "UserWarning" in ln or "ERROR" in ln or "InvalidDomain" in ln
    ]
    return [
        Finding(
            "dialogues/",
            0,
            "Rasa's data validation failed: " + ("; ".join(problems[:5]) or "see `make validate`"),
            "run `make validate` to see every warning, and fix the training data or domain",
        )
    ]
