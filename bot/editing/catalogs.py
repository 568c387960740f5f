"""Message catalogs as editors and translators see them: a template (`messages.pot`) of
every key the code and content use, and one PO file per language kept in step with it."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.config import ROOT
from bot.editing.message_keys import all_keys
from bot.wording.catalogs import DOMAIN

TEMPLATE = "messages.pot"


def build_template(locales_dir: Path, root: Path = ROOT) -> Catalog:
    """Every key in use, each with where it is used and its English text for translators."""
    english = read_po_file(locales_dir / "en" / "LC_MESSAGES" / f"{DOMAIN}.po")
    template = Catalog(project="Rahnuma", domain=DOMAIN, fuzzy=False)
    for key, where in sorted(all_keys(root, root / "content").items()):
        source = english.get(key)
        comments = [f"en: {source.string}"] if source is not None and source.string else []
        flags = ["python-brace-format"] if source is not None and "{" in str(source.string) else []
        template.add(
            key,
            "",
            auto_comments=comments,
            user_comments=[],
            flags=flags,
            locations=[(where.split(":")[0], 0)],
        )
    return template


def read_po_file(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh)


def po_bytes(catalog: Catalog, template: bool = False) -> bytes:
    buffer = io.BytesIO()
    write_po(
        buffer,
        catalog,
        width=0,
        omit_header=False,
        ignore_obsolete=False,
        include_lineno=False,
        sort_output=True,
    )
    return buffer.getvalue()


def update(locales_dir: Path, *, prune: bool = False) -> list[str]:
    """Write the template and bring every language's catalog in step; returns what changed.

    New keys arrive untranslated (the check then fails until a translator fills them).
    Keys the template no longer lists are kept unless `prune`: a key the extraction missed
    must never take a translation with it.
    """
    changed = []
    template = build_template(locales_dir)
    template_path = locales_dir / TEMPLATE
    new_template = po_bytes(template)
    if not template_path.exists() or _strip_dates(template_path.read_bytes()) != _strip_dates(
        new_template
    ):
        template_path.write_bytes(new_template)
        changed.append(str(template_path))
    for po in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        catalog = read_po_file(po)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        if not prune:
            for message in catalog.obsolete.values():
                catalog.add(message.id, message.string, auto_comments=message.auto_comments)
        catalog.obsolete.clear()
        updated = po_bytes(catalog)
        if _strip_dates(po.read_bytes()) != _strip_dates(updated):
            po.write_bytes(updated)
            changed.append(str(po))
    return changed


def stale(locales_dir: Path) -> list[str]:
    """Keys in use that the template lacks, and template keys no longer in use."""
    template_path = locales_dir / TEMPLATE
    if not template_path.exists():
        return [f"{template_path} is missing"]
    on_disk = {str(m.id) for m in read_po_file(template_path) if m.id}
    in_use = set(all_keys())
    return [f"new key {k}" for k in sorted(in_use - on_disk)] + [
        f"unused key {k}" for k in sorted(on_disk - in_use)
    ]


def compile_all(locales_dir: Path) -> list[Path]:
    """Compiled catalogs (.mo) next to each PO file, for standard gettext tools."""
    written = []
    for po in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        with mo.open("wb") as fh:
            write_mo(fh, read_po_file(po))
        written.append(mo)
    return written


def _strip_dates(data: bytes) -> bytes:
    """Header dates change on every write; they don't make a catalog stale."""
    return b"\n".join(line for line in data.splitlines() if b"-Date:" not in line)


def set_texts(locales_dir: Path, texts: dict[tuple[str, str], str]) -> None:
    """Write {(language, key): text} into the working catalogs, as `make i18n` formats them.

    Only keys the catalog already has: a draft never invents a key the code does not use.
    """
    by_language: dict[str, dict[str, str]] = {}
    for (language, key), text in texts.items():
        by_language.setdefault(language, {})[key] = text
    for language, changes in sorted(by_language.items()):
        po = locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        catalog = read_po_file(po)
        for key, text in changes.items():
            message = catalog.get(key)
            if message is None:
                raise KeyError(f"{language}: no text {key!r}")
            message.string = text
            message.flags.discard("fuzzy")
        po.write_bytes(po_bytes(catalog))
