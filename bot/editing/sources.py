"""Where every fact a survivor reads comes from (issue 15; SAFETY.md: nothing untrue).

`content/sources.yml` names the public sources and, per message key, the ones its facts rest
on. Listings name theirs in the directory seed. `content check` fails a legal statement or a
listing with no source, and `rahnuma content sources` writes docs/content-sources.md from both,
so the page an auditor reads is never out of step with what the bot says.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.config import ROOT, Settings
from bot.editing.message_keys import all_keys
from bot.wording.catalogs import DOMAIN

SOURCES_FILE = "sources.yml"
DOC = Path("docs") / "content-sources.md"
# A text states a fact survivors may act on when it is an information step, or when it
# speaks of the law: these words mark a legal statement anywhere else.
_LEGAL = re.compile(
    r"\b(laws?|act \d{4}|\d{4} law|illegal|crimes?|courts?|FIR|rights|right to|legal|punish\w*)\b",
    re.IGNORECASE,
)
# Menu labels name a choice; they state nothing.
_LABELS = ("option.", "service_type.", "audience.", "weekday.")
_SOURCE_FIELDS = ("title", "url", "accessed", "checked")


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    url: str
    date: str  # the source's own date (2018-05-31, 2020-06 or 2019); "" when it has none
    accessed: dt.date | None  # when it was read and checked
    checked: str  # what was checked against it


@dataclass(frozen=True)
class SourceBook:
    sources: dict[str, Source]
    texts: dict[str, tuple[str, ...]]  # message key -> source ids
    no_facts: frozenset[str]  # keys reviewed as stating no fact (a question, a heading)


@dataclass(frozen=True)
class Gap:
    """One problem, for `content check` to report with its file."""

    file: str
    problem: str
    fix: str


def needs_source(key: str, english: str) -> bool:
    """Information steps and any text that speaks of the law state facts."""
    if key.startswith(_LABELS):
        return False
    return key.startswith("info.") or bool(_LEGAL.search(english))


def load_sources(content_dir: Path) -> SourceBook:
    data = yaml.safe_load((content_dir / SOURCES_FILE).read_text(encoding="utf-8")) or {}
    sources = {
        sid: Source(
            sid,
            str(body.get("title") or ""),
            str(body.get("publisher") or ""),
            str(body.get("url") or ""),
            str(body.get("date") or ""),
            body.get("accessed") if isinstance(body.get("accessed"), dt.date) else None,
            str(body.get("checked") or ""),
        )
        for sid, body in (data.get("sources") or {}).items()
    }
    texts = {key: tuple(ids or ()) for key, ids in (data.get("texts") or {}).items()}
    return SourceBook(sources, texts, frozenset(data.get("no_facts") or ()))


def text_gaps(book: SourceBook, english: dict[str, str], where: str) -> list[Gap]:
    """Every text that states a fact names a source; every source is complete and used."""
    gaps = [
        Gap(where, f"source {s.id!r} has no {name}", f"give {s.id!r} its {name}")
        for s in book.sources.values()
        for name in _SOURCE_FIELDS
        if not getattr(s, name)
    ]
    for key, text in sorted(english.items()):
        if key in book.no_facts or not needs_source(key, text):
            continue
        ids = book.texts.get(key, ())
        if not ids:
            gaps.append(
                Gap(
                    where,
                    f"{key!r} states a fact or speaks of the law and names no source",
                    "list its public sources under `texts:`, or the key under `no_facts:` "
                    "if it states nothing a survivor could rely on",
                )
            )
        gaps += [
            Gap(where, f"{key!r} cites {sid!r}, which is not under `sources:`", "add the source")
            for sid in ids
            if sid not in book.sources
        ]
    gaps += [
        Gap(where, f"{key!r} is not a message any more", "remove it from the file")
        for key in sorted({*book.texts, *book.no_facts} - set(english))
    ]
    return gaps


def listing_gaps(seed: list[dict[str, Any]], where: str) -> list[Gap]:
    """A listing says where its number comes from, when, and what was checked; one listed
    publicly also says where to read it (drafts may say only what was found)."""
    gaps = []
    for entry in seed:
        ident = entry.get("id", "?")
        wanted = ["source", "checked"]
        if entry.get("status") != "unconfirmed":
            wanted += ["source_date", "source_url"]
        gaps += [
            Gap(where, f"listing {ident!r} has no {name}", f"give {ident!r} its {name}")
            for name in wanted
            if not entry.get(name)
        ]
    return gaps


def english_texts(catalog: Catalog, keys: Iterable[str]) -> dict[str, str]:
    """The English wording of the keys in use (what the bot can really say)."""
    wanted = set(keys)
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and str(m.id) in wanted and isinstance(m.string, str)
    }


def read_seed(path: Path) -> list[dict[str, Any]]:
    return list((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("entries") or [])


def render_doc(book: SourceBook, english: dict[str, str], seed: list[dict[str, Any]]) -> str:
    """docs/content-sources.md: per text and per listing, the source, its date, what was
    checked. Generated, so it can't drift from content/sources.yml and the seed."""
    lines = [
        "# Where each fact comes from",
        "",
        "Generated by `rahnuma content sources` from `content/sources.yml` and",
        "`data/seed/services_pk.yaml`; do not edit by hand. `rahnuma content check` fails a",
        "text that states a fact or speaks of the law, or a listing, with no source.",
        "",
        "## Information texts",
        "",
        "| text | English wording | sources |",
        "| --- | --- | --- |",
    ]
    for key in sorted(book.texts):
        cited = "<br>".join(_cite(book.sources[s]) for s in book.texts[key] if s in book.sources)
        lines.append(f"| `{key}` | {_cell(english.get(key, ''))} | {cited} |")
    lines += [
        "",
        "## Sources",
        "",
        "| id | source | its date | read on | what was checked |",
        "| --- | --- | --- | --- | --- |",
    ]
    for s in sorted(book.sources.values(), key=lambda s: s.id):
        title = f"[{_cell(s.title)}]({s.url})" + (f", {_cell(s.publisher)}" if s.publisher else "")
        lines.append(
            f"| `{s.id}` | {title} | {s.date or 'undated'} | {s.accessed} | {_cell(s.checked)} |"
        )
    lines += [
        "",
        "## Listings",
        "",
        "Status `listed` imports as *to be confirmed by phone*; `unconfirmed` stays a draft and",
        "never reaches a survivor.",
        "",
        "| listing | number | status | source | date | what was checked |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for entry in seed:
        url = entry.get("source_url")
        source = _cell(str(entry.get("source") or ""))
        lines.append(
            f"| `{entry.get('id')}` | {entry.get('phone', '')} | {entry.get('status', '')} | "
            f"{f'[{source}]({url})' if url else source} | {entry.get('source_date') or ''} | "
            f"{_cell(str(entry.get('checked') or ''))} |"
        )
    lines += [
        "",
        "## Texts reviewed as stating no fact",
        "",
        ", ".join(f"`{key}`" for key in sorted(book.no_facts)),
        "",
    ]
    return "\n".join(lines)


def _cite(source: Source) -> str:
    return f"[{_cell(source.title)}]({source.url}) ({source.date or 'undated'})"


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "/").split())


def current_doc(settings: Settings) -> str:
    """docs/content-sources.md as the content and the seed say it should read now."""
    with (settings.locales_dir / "en" / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as fh:
        english = english_texts(read_po(fh), all_keys(content_dir=settings.content_dir))
    return render_doc(
        load_sources(settings.content_dir), english, read_seed(settings.seed_services_file)
    )


def write_doc(settings: Settings) -> Path:
    path = ROOT / DOC
    path.write_text(current_doc(settings), encoding="utf-8")
    return path
