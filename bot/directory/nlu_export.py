"""The gazetteer as NLU data: one lookup table and synonyms for the `location` entity.

The NLU and the directory share one source of place names (data/seed/districts_pk.yaml);
`rahnuma content locations` writes the file and a test fails when it is stale.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.directory.gazetteer import Gazetteer

HEADER = (
    "# Generated from data/seed/districts_pk.yaml by `rahnuma content locations`: do not edit.\n"
)


def locations_nlu(gazetteer_file: Path) -> str:
    data = yaml.safe_load(gazetteer_file.read_text(encoding="utf-8"))
    gazetteer = Gazetteer(data)
    # Names that are also ordinary words (قصور is "fault") are left to the model's context.
    context_only = {
        *(str(w).lower() for w in data["needs_context"]["roman"]),
        *data["needs_context"]["ur"],
    }
    lookup: set[str] = set()
    synonyms: list[str] = []
    for name, spellings in sorted(gazetteer.all_spellings().items()):
        lines = []
        for spelling in spellings:
            if spelling not in context_only:
                lookup.add(spelling)
            if spelling != name.lower():
                lines.append(f"    - {spelling}")
        if lines:
            synonyms.append(f"- synonym: {name}\n  examples: |\n" + "\n".join(lines))
    lookup_lines = "\n".join(f"    - {s}" for s in sorted(lookup))
    return (
        HEADER
        + 'version: "3.1"\nnlu:\n'
        + f"- lookup: location\n  examples: |\n{lookup_lines}\n"
        + "\n".join(synonyms)
        + "\n"
    )
