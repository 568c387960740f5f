"""Editors' changes to the information flows (content/info.yml), made as forms in the console:
a change is a draft, and goes live only when someone other than its author approves it
(SAFETY.md rule 22), after the content check has passed on the flows as they would be.

The rules are those of `actions.content.parse_info` (which the gateway may not import, so they
are restated here and a test keeps the two in step), and one more that the header of info.yml
states: every topic is reachable from `overview` in menus.

info.yml stays the editors' file: only the topics a change touches are rewritten, in the file's
own style; its header comment, the intents and every other topic are kept byte for byte. It is
replaced atomically, and the action server reads the new file on its next turn.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings, get_settings
from bot.editing.check import Finding, run_checks
from bot.editing.drafts import TwoPersonRuleError, working_texts
from bot.editing.publish import PublishResult, UnknownVersionError, catalog_lock, dialogues_hash
from bot.store import Database, DraftStatus, FlowDraft, Publication, StaffMember
from bot.store.flows import TopicBody
from bot.store.models import utcnow

__all__ = [
    "ACTION_CHOICES",
    "MAX_CHOICES",
    "START",
    "FlowConflictError",
    "FlowError",
    "Flows",
    "TwoPersonRuleError",
    "approve_flow",
    "read_flows",
    "restore_flow",
    "save_new_topic",
    "save_removal",
    "save_topic",
]

INFO_FILE = "info.yml"
START = "overview"  # where the information menu begins: every topic is reachable from it
MAX_CHOICES = 4  # SAFETY.md rule 7: a numbered menu of at most four, plus "0"
# The choices besides topics (actions/content.py ACTION_CHOICES), with the menu label each is
# shown with (actions/menus.py).
ACTION_LABELS = {
    "find_service": "option.find_service",
    "request_human": "option.request_human",
    "main_menu": "option.main_menu",
}
ACTION_CHOICES = tuple(ACTION_LABELS)
TEXT_PREFIX = "info."  # a topic's text is an information text
LABEL_PREFIX = "option."  # a topic's menu label is a menu choice's text
# Publications of the flows: their diff rows say "flow", and their version can never be
# taken for a folder of catalogs (those are timestamps, which start with a digit).
FLOW_LANGUAGE = "flow"
FLOW_VERSION_PREFIX = "flows-"
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,199}")  # a plain YAML word: never needs quoting
_RESERVED = frozenset({"new", "drafts", "restore", *ACTION_CHOICES})  # page paths, actions
_TOPICS_LINE = re.compile(r"topics:[ \t]*(#.*)?")
_TOPIC_HEADER = re.compile(r"  ([A-Za-z0-9_]+):[ \t]*(#.*)?")


class FlowError(ValueError):
    """The change cannot be kept: it would break a rule of the flows (the message says which,
    for an editor)."""


class FlowConflictError(ValueError):
    """A topic changed after the draft was written: approving would silently undo that."""


def topic_body(text: str, options: list[str], label: str | None = None) -> TopicBody:
    """One topic as info.yml holds it (a label only where it is not the usual one)."""
    body: TopicBody = {"text": text}
    if label:
        body["label"] = label
    body["options"] = list(options)
    return body


def _normal(raw: Mapping[str, Any]) -> TopicBody:
    return topic_body(str(raw["text"]), [str(c) for c in raw.get("options") or []],
                      str(raw["label"]) if raw.get("label") else None)  # fmt: skip


@dataclass(frozen=True)
class Flows:
    """The information flows: which intent starts where, and every topic's body."""

    intents: dict[str, str]
    topics: dict[str, TopicBody]

    def label_of(self, choice: str) -> str:
        """The text key of the menu choice that offers `choice`."""
        if choice in ACTION_LABELS:
            return ACTION_LABELS[choice]
        body = self.topics.get(choice, {})
        return str(body.get("label") or f"option.topic.{choice}")

    def offered_from(self, name: str) -> list[str]:
        return [t for t, body in self.topics.items() if name in body["options"]]

    def started_by(self, name: str) -> list[str]:
        return [intent for intent, topic in self.intents.items() if topic == name]

    def parents(self) -> dict[str, str | None]:
        """Each reachable topic and the topic that first offers it on a shortest way from
        `overview` (None for overview itself): the tree the console shows."""
        found: dict[str, str | None] = {START: None} if START in self.topics else {}
        queue = list(found)
        while queue:
            name = queue.pop(0)
            for choice in self.topics[name]["options"]:
                if choice in self.topics and choice not in found:
                    found[choice] = name
                    queue.append(choice)
        return found

    def changed(self, after: Mapping[str, TopicBody | None]) -> Flows:
        """These flows with `after` applied (None removes a topic)."""
        topics = {n: body for n, body in self.topics.items() if not (n in after and not after[n])}
        for name, body in after.items():
            if body is not None:
                topics[name] = body
        return Flows(dict(self.intents), topics)

    def problems(self) -> list[str]:
        """Every rule the flows break, in words an editor can act on; [] when they can go live."""
        found = []
        for name, body in self.topics.items():
            options = body["options"]
            found += [
                f"“{name}” offers “{choice}”, which is no topic (nor {', '.join(ACTION_CHOICES)})."
                for choice in options
                if choice not in self.topics and choice not in ACTION_CHOICES
            ]
            if len(options) > MAX_CHOICES:
                found.append(f"“{name}” has {len(options)} choices: a menu has at most four.")
            found += [f"“{name}” offers “{c}” twice." for c in sorted(set(options))
                      if options.count(c) > 1]  # fmt: skip
        found += [
            f"The intent {intent} starts at “{topic}”, which is no topic."
            for intent, topic in self.intents.items()
            if topic not in self.topics
        ]
        if START not in self.topics:
            return [*found, f"There is no “{START}”, where every flow begins."]
        reachable = self.parents()
        found += [
            f"Nothing leads to “{name}” from {START}: offer it from a topic that {START} "
            "leads to, or people can never open it."
            for name in self.topics
            if name not in reachable
        ]
        return found


def read_flows(content_dir: Path) -> Flows:
    return _parse((content_dir / INFO_FILE).read_text(encoding="utf-8"))


def _parse(text: str) -> Flows:
    data = yaml.safe_load(text)
    return Flows(
        {str(intent): str(topic) for intent, topic in data["intents"].items()},
        {str(name): _normal(body) for name, body in data["topics"].items()},
    )


def topic_yaml(body: TopicBody | None) -> str:
    """A topic as info.yml writes it (without its name); "" for no topic."""
    if body is None:
        return ""
    lines = [f"text: {body['text']}"]
    if body.get("label"):
        lines.append(f"label: {body['label']}")
    lines.append(f"options: [{', '.join(body['options'])}]")
    return "\n".join(lines)


def body_from_yaml(text: str) -> TopicBody | None:
    return _normal(yaml.safe_load(text)) if text.strip() else None


def is_flow_version(version: str) -> bool:
    """A publication of the flows (not of catalogs: `publish.restore` cannot serve it)."""
    return version.startswith(FLOW_VERSION_PREFIX)


# -- the file ---------------------------------------------------------------------------------


@dataclass
class _Sections:
    """info.yml cut around its topics: everything outside the blocks is kept as it is."""

    head: str  # the header comment, the intents, and the `topics:` line
    names: list[str]
    blocks: list[list[str]]  # each topic's lines, the comment lines before it included
    end: list[str] = field(default_factory=list)  # blank and comment lines after the last
    tail: str = ""  # any top-level key after `topics:`


def _sections(text: str) -> _Sections:
    lines = text.splitlines(keepends=True)
    start = next((i for i, ln in enumerate(lines) if _TOPICS_LINE.fullmatch(ln.rstrip("\r\n"))),
                 None)  # fmt: skip
    if start is None:
        raise FlowError(f"{INFO_FILE} has no `topics:` line: put it back as it was.")
    stop = next((i for i in range(start + 1, len(lines)) if re.match(r"[^\s#]", lines[i])),
                len(lines))  # fmt: skip
    cut = _Sections("".join(lines[: start + 1]), [], [], tail="".join(lines[stop:]))
    pending: list[str] = []  # blank and comment lines: they belong to the topic that follows
    for line in lines[start + 1 : stop]:
        header = _TOPIC_HEADER.fullmatch(line.rstrip("\r\n"))
        if header:
            cut.names.append(header.group(1))
            cut.blocks.append([*pending, line])
            pending = []
        elif not line.strip() or line.lstrip().startswith("#"):
            pending.append(line)
        elif cut.blocks:
            cut.blocks[-1] += [*pending, line]
            pending = []
        else:
            raise FlowError(f"{INFO_FILE}: a line before the first topic: put it back as it was.")
    cut.end = pending
    return cut


def _block(name: str, body: TopicBody, before: list[str]) -> list[str]:
    """A topic's lines in the file's style, after the comment lines that were before it."""
    header = next((i for i, ln in enumerate(before)
                   if _TOPIC_HEADER.fullmatch(ln.rstrip("\r\n"))), 0)  # fmt: skip
    return [*before[:header], f"  {name}:\n",
            *(f"    {ln}\n" for ln in topic_yaml(body).splitlines())]  # fmt: skip


def rewrite(text: str, after: Mapping[str, TopicBody | None]) -> str:
    """info.yml with these topics changed (None removes one; a new one goes last), and every
    other byte as it was. Refuses (FlowError) if the result would not read back as intended."""
    for name, body in after.items():
        words = [name] if body is None else [name, body["text"], *body["options"]]
        words += [str(body["label"])] if body and body.get("label") else []
        if not all(_KEY.fullmatch(word) for word in words):
            raise FlowError(f"“{name}”: names and keys are letters, digits, _ and dots.")
    cut = _sections(text)
    out: list[str] = []
    for name, lines in zip(cut.names, cut.blocks, strict=True):
        body = after.get(name, None)
        if name not in after:
            out += lines
        elif body is not None:
            out += _block(name, body, lines)
    if out and not out[-1].endswith("\n"):
        out[-1] += "\n"
    out += [
        line
        for name, body in after.items()
        if body is not None and name not in cut.names
        for line in _block(name, body, [])
    ]
    new = cut.head + "".join(out + cut.end) + cut.tail
    if _parse(new) != _parse(text).changed(after):  # never write what would read differently
        raise FlowError(f"{INFO_FILE} could not be rewritten safely: ask a developer to look.")
    return new


def write_atomically(path: Path, data: bytes) -> None:
    """Replace the file in one step: a reader (the action server) sees the old file or the
    new one, never half of one. The file keeps its permissions."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o777)  # mkstemp's 0600 would lock others out
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


# -- drafts ---------------------------------------------------------------------------------


def save_topic(
    session: Session,
    settings: Settings,
    author: StaffMember,
    name: str,
    *,
    text: str,
    options: list[str],
    label: str | None = None,
    drop_unreachable: bool = False,
) -> FlowDraft | None:
    """Keep a draft of an existing topic (None when it would change nothing).

    With `drop_unreachable`, the topics nothing would lead to any more are removed by the
    same draft: that is how a topic goes (none may be removed while a choice names it)."""
    flows = read_flows(settings.content_dir)
    if name not in flows.topics:
        raise FlowError(f"There is no topic “{name}”.")
    after: dict[str, TopicBody | None] = {name: topic_body(text, options, label)}
    if drop_unreachable:
        reachable = flows.changed(after).parents()
        after |= {gone: None for gone in flows.topics if gone not in reachable}
    return _keep(session, settings, author, name, after)


def save_new_topic(
    session: Session,
    settings: Settings,
    author: StaffMember,
    name: str,
    *,
    text: str,
    label: str,
    options: list[str],
    offered_from: str,
) -> FlowDraft | None:
    """Keep a draft of a new topic, offered as the last choice of `offered_from`."""
    flows = read_flows(settings.content_dir)
    if not _NAME.fullmatch(name) or name in _RESERVED:
        raise FlowError(
            "A topic's name is lower-case letters, digits and _, starting with a letter "
            "(for example shelter_rules)."
        )
    if name in flows.topics:
        raise FlowError(f"There is already a topic “{name}”: edit that one instead.")
    parent = flows.topics.get(offered_from)
    if parent is None:
        raise FlowError(
            f"Nothing would lead to “{name}”: choose the topic that offers it, so that people "
            f"can reach it from {START}."
        )
    if len(parent["options"]) >= MAX_CHOICES:
        raise FlowError(
            f"“{offered_from}” already has four choices: take one out there first, or offer "
            f"“{name}” from another topic."
        )
    after: dict[str, TopicBody | None] = {
        name: topic_body(text, options, label),
        offered_from: {**parent, "options": [*parent["options"], name]},
    }
    return _keep(session, settings, author, name, after)


def save_removal(
    session: Session, settings: Settings, author: StaffMember, name: str
) -> FlowDraft | None:
    """Keep a draft that removes a topic nothing offers and no intent starts at."""
    flows = read_flows(settings.content_dir)
    if name not in flows.topics:
        raise FlowError(f"There is no topic “{name}”.")
    if name == START:
        raise FlowError(f"“{START}” is where every flow begins: it cannot be removed.")
    users = [f"offered by {t}" for t in flows.offered_from(name)]
    users += [f"started by the intent {i}" for i in flows.started_by(name)]
    if users:
        raise FlowError(
            f"“{name}” is still {'; '.join(users)}. To remove it, take it out of the choices "
            "that offer it and tick “Also remove the topics nothing leads to any more”."
        )
    return _keep(session, settings, author, name, {name: None})


def _keep(
    session: Session,
    settings: Settings,
    author: StaffMember,
    topic: str,
    after: dict[str, TopicBody | None],
) -> FlowDraft | None:
    """Keep the change as a draft if it breaks no rule (replacing the author's open draft of
    the same topic); None when it would change nothing."""
    flows = read_flows(settings.content_dir)
    before = {name: flows.topics.get(name) for name in after}
    if before == after:
        return None
    problems = flows.changed(after).problems() + _key_problems(settings, after, flows)
    if problems:
        raise FlowError(" ".join(problems))
    rewrite((settings.content_dir / INFO_FILE).read_text(encoding="utf-8"), after)  # writable?
    for earlier in session.scalars(
        select(FlowDraft).where(
            FlowDraft.topic == topic,
            FlowDraft.author_id == author.id,
            FlowDraft.status == DraftStatus.OPEN,
        )
    ):
        earlier.status = DraftStatus.REPLACED
    draft = FlowDraft(topic=topic, before=before, after=after, author_id=author.id,
                      author=author.display_name, status=DraftStatus.OPEN)  # fmt: skip
    session.add(draft)
    session.flush()
    return draft


def _key_problems(
    settings: Settings, after: Mapping[str, TopicBody | None], flows: Flows
) -> list[str]:
    """A topic shows texts that exist: an information text, and a menu label."""
    texts, changed = working_texts(settings.locales_dir), flows.changed(after)
    found = []
    for name, body in after.items():
        if body is None:
            continue
        if not body["text"].startswith(TEXT_PREFIX) or body["text"] not in texts:
            found.append(f"“{name}”: there is no information text “{body['text']}”.")
        label = changed.label_of(name)
        if not label.startswith(LABEL_PREFIX) or label not in texts:
            found.append(f"“{name}”: there is no menu label “{label}”; choose one.")
    return found


def open_flow_drafts(session: Session) -> list[FlowDraft]:
    return list(
        session.scalars(
            select(FlowDraft)
            .where(FlowDraft.status == DraftStatus.OPEN)
            .order_by(FlowDraft.topic, FlowDraft.id)
        )
    )


def reject_flow(session: Session, draft_id: int, reviewer: StaffMember) -> None:
    """Send a draft back (its author may withdraw their own)."""
    draft = session.get(FlowDraft, draft_id)
    if draft is None or draft.status != DraftStatus.OPEN:
        raise FlowError("That draft is no longer open.")
    draft.status = DraftStatus.REJECTED
    draft.reviewed_by = reviewer.display_name
    draft.reviewed_at = utcnow()


# -- going live -----------------------------------------------------------------------------


def approve_flow(
    settings: Settings, db: Database, draft_id: int, reviewer: StaffMember
) -> PublishResult:
    """Make a draft live, approved by `reviewer`, who did not write it."""
    with catalog_lock(settings):  # the conflict check, the check and the writing as one
        with db.session() as session:
            draft = session.get(FlowDraft, draft_id)
            if draft is None or draft.status != DraftStatus.OPEN:
                raise FlowError("That draft is no longer open.")
            if draft.author_id == reviewer.id:
                raise TwoPersonRuleError("A change is approved by someone other than its author.")
            live = read_flows(settings.content_dir)
            stale = sorted(n for n, body in draft.before.items() if live.topics.get(n) != body)
            if stale:
                raise FlowConflictError(
                    f"Changed since the draft was written: {', '.join(stale)}. Send the draft "
                    "back; its author can write it again from what is live now."
                )
            after, authors = dict(draft.after), [draft.author]
        result = _go_live(settings, db, after, by=reviewer.display_name, authors=authors)
        if result.ok:
            with db.session() as session:
                done = session.get_one(FlowDraft, draft_id)  # drafts are never deleted
                done.status = DraftStatus.PUBLISHED
                done.reviewed_by = reviewer.display_name
                done.reviewed_at = utcnow()
                done.publication_id = result.publication_id
        return result


def restore_flow(
    settings: Settings, db: Database, publication_id: int, by: StaffMember
) -> PublishResult:
    """Put the topics of a publication of the flows back as they were before it, at once;
    recorded as a publication approved by the person who asked."""
    with catalog_lock(settings):
        with db.session() as session:
            record = session.get(Publication, publication_id)
            if record is None or not is_flow_version(record.version):
                raise UnknownVersionError(str(publication_id))
            rows = [row for row in record.diff if row.get("language") == FLOW_LANGUAGE]
            version = record.version
        after = {row["key"].removeprefix("topic:"): body_from_yaml(row["before"]) for row in rows}
        live = read_flows(settings.content_dir)
        if all(live.topics.get(name) == body for name, body in after.items()):
            raise FlowError("Those topics are already as they were before that change.")
        return _go_live(settings, db, after, by=by.display_name, authors=[], restored=version)


def _go_live(
    settings: Settings,
    db: Database,
    after: Mapping[str, TopicBody | None],
    *,
    by: str,
    authors: list[str],
    restored: str | None = None,
) -> PublishResult:
    """Check the flows as they would be, then write them and record the publication; a
    refused check (or a failure) leaves info.yml as it was, byte for byte."""
    path = settings.content_dir / INFO_FILE
    kept = path.read_bytes()
    live = _parse(kept.decode("utf-8"))
    problems = live.changed(after).problems()
    if problems:
        raise FlowError(" ".join(problems))
    new = rewrite(kept.decode("utf-8"), after)
    findings = _check(settings, new)
    if findings:
        return PublishResult(findings=findings)  # info.yml was never touched
    write_atomically(path, new.encode("utf-8"))
    try:
        diff = [{"language": FLOW_LANGUAGE, "key": f"topic:{name}",
                 "before": topic_yaml(live.topics.get(name)), "after": topic_yaml(body)}
                for name, body in after.items()]  # fmt: skip
        return _record(db, diff, by=by, authors=authors, restored=restored)
    except BaseException:
        write_atomically(path, kept)  # nothing goes live unrecorded
        raise


def _check(settings: Settings, new: str) -> list[Finding]:
    """The content check on a copy of content/ holding the new info.yml, so that a refused
    change never reaches the file the action server reads, even for the check's seconds."""
    with tempfile.TemporaryDirectory() as folder:
        candidate = Path(folder) / "content"
        shutil.copytree(settings.content_dir, candidate)
        (candidate / INFO_FILE).write_text(new, encoding="utf-8")
        with _walks_read(candidate):
            found = run_checks(settings.model_copy(update={"content_dir": candidate}), rasa=False)
    # The Rasa validation is not run: info.yml is no training data and no part of the domain.
    here = str(settings.content_dir)
    return [replace(f, file=f.file.replace(str(candidate), here)) for f in found]


@contextlib.contextmanager
def _walks_read(content_dir: Path) -> Iterator[None]:
    """The check's walks run the actions, which read the settings of the process (as
    `walk.collect_messages` does for the database): point them at the candidate."""
    saved = os.environ.get("RAHNUMA_CONTENT_DIR")
    os.environ["RAHNUMA_CONTENT_DIR"] = str(content_dir)
    get_settings.cache_clear()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("RAHNUMA_CONTENT_DIR", None)
        else:
            os.environ["RAHNUMA_CONTENT_DIR"] = saved
        get_settings.cache_clear()


def _record(
    db: Database,
    diff: list[dict[str, str]],
    *,
    by: str,
    authors: list[str],
    restored: str | None,
) -> PublishResult:
    version = FLOW_VERSION_PREFIX + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    changed = [f"{FLOW_LANGUAGE}:{row['key']}" for row in diff]
    with db.session() as session:
        last = session.scalars(select(Publication).order_by(Publication.id.desc()).limit(1)).first()
        record = Publication(
            published_by=by,
            version=version,
            changed_keys=changed,
            # The flows are not the dialogues: the next publish of texts must still see
            # whether those changed since the model was trained.
            dialogues_hash=last.dialogues_hash if last else dialogues_hash(),
            authors=authors,
            approved_by=by,
            diff=diff,
            restored_from=restored,
        )
        session.add(record)
        session.flush()
        return PublishResult(version=version, changed_keys=changed, publication_id=record.id)


# -- what the console shows -----------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceView:
    number: int
    name: str  # a topic, or one of ACTION_CHOICES
    label: str  # its English menu label
    is_topic: bool


@dataclass(frozen=True)
class TopicView:
    """One topic as editors read it: its texts in English, and its menu in order."""

    name: str
    depth: int  # how many choices from overview (on the shortest way)
    text_key: str
    text: str
    label_key: str
    label: str
    choices: list[ChoiceView]
    starts: list[str]  # the intents that begin here
    reachable: bool = True


def english_texts(settings: Settings) -> dict[str, str]:
    return {key: texts.get("en", "") for key, texts in working_texts(settings.locales_dir).items()}


def topic_view(flows: Flows, name: str, english: Mapping[str, str], depth: int = 0) -> TopicView:
    body = flows.topics[name]
    choices = [ChoiceView(number, choice, english.get(flows.label_of(choice), choice),
                          choice in flows.topics)
               for number, choice in enumerate(body["options"], start=1)]  # fmt: skip
    label = flows.label_of(name)
    return TopicView(name, depth, body["text"], english.get(body["text"], ""), label,
                     english.get(label, ""), choices, flows.started_by(name))  # fmt: skip


def tree(flows: Flows, english: Mapping[str, str]) -> list[TopicView]:
    """Every topic, each under the topic that first offers it on the way from overview
    (depth first, in menu order); topics nothing leads to come last, marked."""
    parents = flows.parents()
    children: dict[str | None, list[str]] = {}
    for name, parent in parents.items():
        children.setdefault(parent, []).append(name)
    for parent, names in children.items():
        if parent is not None:
            names.sort(key=flows.topics[parent]["options"].index)
    rows: list[TopicView] = []
    stack = [(name, 0) for name in reversed(children.get(None, []))]
    while stack:
        name, depth = stack.pop()
        rows.append(topic_view(flows, name, english, depth))
        stack += [(child, depth + 1) for child in reversed(children.get(name, []))]
    rows += [replace(topic_view(flows, name, english), reachable=False)
             for name in flows.topics if name not in parents]  # fmt: skip
    return rows


@dataclass(frozen=True)
class TopicChange:
    name: str
    before: TopicView | None  # None: the draft adds it
    after: TopicView | None  # None: the draft removes it


@dataclass(frozen=True)
class FlowReview:
    """A waiting draft, with each topic it touches before and after, as editors read it."""

    draft: FlowDraft
    changes: list[TopicChange]


def flows_waiting(session: Session, settings: Settings) -> list[FlowReview]:
    live, english = read_flows(settings.content_dir), english_texts(settings)
    reviews = []
    for draft in open_flow_drafts(session):
        then, now = live.changed(draft.before), live.changed(draft.after)
        changes = [
            TopicChange(
                name,
                topic_view(then, name, english) if draft.before.get(name) else None,
                topic_view(now, name, english) if body else None,
            )
            for name, body in draft.after.items()
        ]
        reviews.append(FlowReview(draft, changes))
    return reviews
