"""Editors' drafts of survivor-facing texts: written in the console, live only after a second
person approves them (SAFETY.md rule 22), published like `content publish` and recorded.

A draft holds one text in one language. Approving a set of drafts writes them into the working
catalogs (locales/) and publishes: the content check runs on everything, and if it finds a
problem, the catalogs are put back and nothing goes live.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.editing.catalogs import set_texts
from bot.editing.check import SAMPLE_CONSTANTS, SAMPLE_PARAMS
from bot.editing.publish import PublishResult, Review, catalog_lock, publish
from bot.store import Database, DraftStatus, StaffMember, TextDraft
from bot.store.models import as_utc, utcnow
from bot.wording.catalogs import DOMAIN, Catalogs, placeholders, read_catalog
from bot.wording.messages import BotMessage
from bot.wording.preview import CHECKS_FILE, load_trigger_words, trigger_in_preview
from bot.wording.render import Channel, render
from bot.wording.segments import MAX_SEGMENTS, sms_shape


class DraftError(ValueError):
    """The draft cannot be kept: unknown text or language, empty, or broken placeholders."""


class TwoPersonRuleError(PermissionError):
    """A draft's author tried to approve it."""


class DraftConflictError(ValueError):
    """The text changed after the draft was written: the draft would silently undo that."""


def languages(locales_dir: Path) -> list[str]:
    return sorted(p.parent.parent.name for p in locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def working_texts(locales_dir: Path) -> dict[str, dict[str, str]]:
    """{key: {language: text}} of the working catalogs (what the next publish would serve)."""
    texts: dict[str, dict[str, str]] = {}
    for language in languages(locales_dir):
        po = locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        for key, text in read_catalog(po).items():
            texts.setdefault(key, {})[language] = text
    return texts


def flow_of(key: str) -> str:
    """Texts are grouped by the flow their key begins with ("services.ask_place": services)."""
    return key.split(".", 1)[0]


@dataclass(frozen=True)
class TextNotes:
    """What an editor sees while typing: cost, encoding, and what the check would refuse."""

    encoding: str
    segments: int
    problems: list[str] = field(default_factory=list)


def notes_on(settings: Settings, language: str, key: str, text: str) -> TextNotes:
    """The checks of `content check` that concern one text on its own."""
    shape = sms_shape(text)
    problems = []
    if not text.strip():
        problems.append("The text is empty.")
    english_po = settings.locales_dir / "en" / "LC_MESSAGES" / f"{DOMAIN}.po"
    english = read_catalog(english_po).get(key) if english_po.exists() else None
    try:
        names = placeholders(text)
    except ValueError:  # str.format's own reading: a lone brace would break every render
        problems.append("A { or } without its pair: placeholders are written {name}.")
    else:
        if english is not None and placeholders(english) != names:
            want = ", ".join("{" + name + "}" for name in sorted(placeholders(english))) or "none"
            problems.append(f"Placeholders must be exactly those of the English text: {want}.")
    word = trigger_in_preview(text, load_trigger_words(settings.content_dir))
    if word is not None:
        problems.append(
            f"“{word}” is in the first lines a locked phone shows: start with a neutral sentence."
        )
    rules = yaml.safe_load((settings.content_dir / CHECKS_FILE).read_text(encoding="utf-8"))
    for phrase in rules.get("blaming", []):
        if phrase.lower() in text.lower():
            problems.append(f"“{phrase}” blames or doubts the person: rephrase it.")
    if shape.segments > MAX_SEGMENTS:
        problems.append(f"{shape.segments} SMS segments: at most {MAX_SEGMENTS} are allowed.")
    return TextNotes(shape.encoding, shape.segments, problems)


@dataclass(frozen=True)
class SentAs:
    """One message as a channel would send it, with the draft's wording."""

    channel: str
    text: str
    options: list[str]
    segments: int
    encoding: str


def as_sent(settings: Settings, language: str, key: str, text: str) -> list[SentAs]:
    """The text rendered as SMS and as Telegram would send it (sample values in its
    placeholders), through the same code as every reply; [] when it cannot be rendered."""
    with tempfile.TemporaryDirectory() as folder:
        locales = Path(folder) / "locales"
        shutil.copytree(settings.locales_dir, locales, ignore=shutil.ignore_patterns("*.mo"))
        try:
            set_texts(locales, {(language, key): text})
            catalogs = Catalogs(locales, constants=SAMPLE_CONSTANTS)
            return [
                SentAs(str(channel), reply.text, reply.options, reply.segments, reply.encoding)
                for channel in (Channel.SMS, Channel.TELEGRAM)
                for reply in render(
                    BotMessage(key, params=SAMPLE_PARAMS), language, channel, catalogs
                )
            ]
        except (KeyError, ValueError, IndexError):  # a broken placeholder: notes say why
            return []


def save_draft(
    session: Session, settings: Settings, author: StaffMember, language: str, key: str, text: str
) -> TextDraft:
    """Keep a draft (replacing the author's open draft of the same text). Problems that
    would make the publish fail are refused now, with what to change."""
    texts = working_texts(settings.locales_dir)
    if language not in languages(settings.locales_dir):
        raise DraftError(f"There is no language {language!r}.")
    if key not in texts:
        raise DraftError(f"There is no text {key!r}.")
    notes = notes_on(settings, language, key, text)
    if notes.problems:
        raise DraftError(" ".join(notes.problems))
    for earlier in session.scalars(
        select(TextDraft).where(
            TextDraft.key == key,
            TextDraft.language == language,
            TextDraft.author_id == author.id,
            TextDraft.status == DraftStatus.OPEN,
        )
    ):
        earlier.status = DraftStatus.REPLACED
    draft = TextDraft(
        language=language,
        key=key,
        text=text,
        before=texts[key].get(language, ""),
        author_id=author.id,
        author=author.display_name,
        status=DraftStatus.OPEN,
    )
    session.add(draft)
    session.flush()
    return draft


def open_drafts(session: Session) -> list[TextDraft]:
    return list(
        session.scalars(
            select(TextDraft)
            .where(TextDraft.status == DraftStatus.OPEN)
            .order_by(TextDraft.key, TextDraft.language, TextDraft.id)
        )
    )


def reject(session: Session, draft_id: int, reviewer: StaffMember) -> None:
    """Send a draft back (its author may withdraw their own)."""
    draft = session.get(TextDraft, draft_id)
    if draft is None or draft.status != DraftStatus.OPEN:
        raise DraftError("That draft is no longer open.")
    draft.status = DraftStatus.REJECTED
    draft.reviewed_by = reviewer.display_name
    draft.reviewed_at = utcnow()


def approve(
    settings: Settings, db: Database, draft_ids: Iterable[int], reviewer: StaffMember
) -> PublishResult:
    """Publish these drafts, approved by `reviewer`, who wrote none of them."""
    with catalog_lock(settings):  # the conflict check, the writing and the publish as one
        return _approve(settings, db, draft_ids, reviewer)


def _approve(
    settings: Settings, db: Database, draft_ids: Iterable[int], reviewer: StaffMember
) -> PublishResult:
    with db.session() as session:
        drafts = [session.get(TextDraft, i) for i in sorted(set(draft_ids))]
        if not drafts or any(d is None or d.status != DraftStatus.OPEN for d in drafts):
            raise DraftError("Choose open drafts to approve.")
        chosen = [d for d in drafts if d is not None]
        if any(d.author_id == reviewer.id for d in chosen):
            raise TwoPersonRuleError("A text is approved by someone other than its author.")
        texts = working_texts(settings.locales_dir)
        changed = [d for d in chosen if texts.get(d.key, {}).get(d.language, "") != d.before]
        if changed:
            names = ", ".join(f"{d.language}:{d.key}" for d in changed)
            raise DraftConflictError(f"Changed since the draft was written: {names}.")
        changes = {(d.language, d.key): d.text for d in chosen}
        authors = sorted({d.author for d in chosen})
        ids = [d.id for d in chosen]
    catalogs = [
        settings.locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        for language in sorted({language for language, _ in changes})
    ]
    kept = {po: po.read_bytes() for po in catalogs}
    set_texts(settings.locales_dir, changes)
    result = publish(
        settings,
        by=reviewer.display_name,
        review=Review(authors=authors, approved_by=reviewer.display_name),
    )
    if not result.ok:
        for po, content in kept.items():  # nothing of a refused publish stays behind
            po.write_bytes(content)
        return result
    with db.session() as session:
        for draft_id in ids:
            draft = session.get_one(TextDraft, draft_id)  # drafts are never deleted
            draft.status = DraftStatus.PUBLISHED
            draft.reviewed_by = reviewer.display_name
            draft.reviewed_at = utcnow()
            draft.publication_id = result.publication_id
    return result


def needs_translation(session: Session, all_languages: list[str]) -> dict[str, set[str]]:
    """{key: languages} not republished since the key's English last changed in the console
    (a change approved together with the English one counts as its translation)."""
    last: dict[tuple[str, str], datetime] = {}
    for draft in session.scalars(
        select(TextDraft).where(TextDraft.status == DraftStatus.PUBLISHED)
    ):
        moment = as_utc(draft.reviewed_at or draft.created_at)
        place = (draft.key, draft.language)
        last[place] = max(moment, last.get(place, moment))
    behind: dict[str, set[str]] = {}
    for (key, language), english_at in last.items():
        if language != "en":
            continue
        for other in all_languages:
            translated_at = last.get((key, other))
            if other != "en" and (translated_at is None or translated_at < english_at):
                behind.setdefault(key, set()).add(other)
    return behind
