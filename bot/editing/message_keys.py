"""Every message key the code and content can emit, found without running anything.

Used by the tests (and the content check) to prove each key exists in every catalog.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import yaml

from bot.config import ROOT
from bot.directory.listings import AUDIENCES, SERVICE_TYPES
from bot.editing.file_stamps import FileStamps, file_stamps
from bot.handoff.canned import CANNED_FILE, load_canned_replies
from bot.handoff.hours import WEEKDAYS

# Calls whose string-literal arguments are message keys, and which argument positions.
_KEY_CALLS = {
    "say": (0,),
    "Option": (0,),
    "BotMessage": (0,),
    "_say": (1,),
    "main_menu": (1,),
}
_SOURCE_DIRS = ("bot", "actions")
# The conversation walker's `say(intent)` is the person speaking, not a message key.
_NOT_EMITTING = {"bot/editing/walk.py"}


def keys_in_source(root: Path = ROOT) -> dict[str, str]:
    """Key -> "file:line" of its first use, for every literal key in the Python code."""
    paths = [
        path
        for folder in _SOURCE_DIRS
        for path in sorted((root / folder).rglob("*.py"))
        if str(path.relative_to(root)) not in _NOT_EMITTING
    ]
    return dict(_keys_in_files(root, file_stamps(paths)))


@functools.lru_cache(maxsize=4)
def _keys_in_files(root: Path, stamps: FileStamps) -> dict[str, str]:
    """Parsing every module takes a second, and each content check asks three times: kept
    until a file changes (the stamps are each file's modification time and size)."""
    found: dict[str, str] = {}
    for path, _, _ in stamps:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = str(path.relative_to(root))
        for node in ast.walk(tree):
            for key_node in _key_expressions(node):
                for value in _strings(key_node):
                    found.setdefault(value, f"{where}:{node.lineno}")  # type: ignore[attr-defined]
    return found


def _key_expressions(node: ast.AST) -> list[ast.expr]:
    """Expressions that hold a message key: key arguments, `key = ...`, `key: str = "..."`."""
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        positions = _KEY_CALLS.get(name, ())
        args = [node.args[i] for i in positions if i < len(node.args)]
        return args + [kw.value for kw in node.keywords if name in _KEY_CALLS and kw.arg == "key"]
    if isinstance(node, ast.Assign) and any(
        isinstance(target, ast.Name) and target.id == "key" for target in node.targets
    ):
        return [node.value]
    if isinstance(node, ast.Dict):  # {"key": "hours.today", ...}: a message as a parameter
        return [
            value
            for name, value in zip(node.keys, node.values, strict=True)
            if isinstance(name, ast.Constant) and name.value == "key"
        ]
    if isinstance(node, ast.FunctionDef):
        params = node.args.args[len(node.args.args) - len(node.args.defaults) :]
        return [d for a, d in zip(params, node.args.defaults, strict=True) if a.arg == "key"]
    return []


def _strings(expression: ast.expr) -> list[str]:
    """String literals of an expression, including both arms of `a if c else b`.

    f-strings are built from content (service types, topics): `keys_in_content` lists those.
    """
    if isinstance(expression, ast.Constant) and isinstance(expression.value, str):
        return [expression.value]
    if isinstance(expression, ast.IfExp):
        return _strings(expression.body) + _strings(expression.orelse)
    return []


def keys_in_content(content_dir: Path) -> dict[str, str]:
    """Keys named by content files, and the key families the code builds from content."""
    info_file = content_dir / "info.yml"
    info = yaml.safe_load(info_file.read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for name, topic in info["topics"].items():
        found.setdefault(topic["text"], f"{info_file.name}: topic {name}")
        for choice in topic.get("options", []):
            if choice in info["topics"]:
                label = info["topics"][choice].get("label") or f"option.topic.{choice}"
                found.setdefault(label, f"{info_file.name}: topic {name}")
    for kind in SERVICE_TYPES:
        found.setdefault(f"service_type.{kind}", "bot/directory/listings.py: SERVICE_TYPES")
    for who in AUDIENCES:
        found.setdefault(f"audience.{who}", "bot/directory/listings.py: AUDIENCES")
    for day in WEEKDAYS:
        found.setdefault(f"weekday.{day}", "bot/handoff/hours.py: WEEKDAYS")
    for reply in load_canned_replies(content_dir):
        found.setdefault(reply.key, f"{CANNED_FILE}: {reply.label}")
    return found


def all_keys(root: Path = ROOT, content_dir: Path | None = None) -> dict[str, str]:
    return {**keys_in_content(content_dir or root / "content"), **keys_in_source(root)}
