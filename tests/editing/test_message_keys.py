"""The key extraction must see every key the code uses: a missed key would leave the
catalogs' template, and with it the content check's protection."""

from __future__ import annotations

import ast
import re

from bot.config import ROOT
from bot.editing.message_keys import all_keys
from bot.wording.catalogs import read_catalog

_KEY_SHAPE = re.compile(r"^[a-z][a-z_]*(\.[a-z_]+)+$")


def test_every_catalog_key_written_in_the_code_is_extracted() -> None:
    english = set(read_catalog(ROOT / "locales" / "en" / "LC_MESSAGES" / "messages.po"))
    literals = set()
    for folder in ("bot", "actions"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "walk.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and _KEY_SHAPE.match(node.value)
                ):
                    literals.add(node.value)
    assert (literals & english) - set(all_keys()) == set()
