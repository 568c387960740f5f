"""What the person wrote, normalised once at the door of the pipeline.

Keywords, the danger lexicon, the menu, the engine and the support worker all read the same
normalised text; each compares it in its own way (`keywords.fold`, `danger.fold`), but none
normalises it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.wording.languages import normalize


@dataclass(frozen=True)
class Said:
    text: str  # normalised: letter variants folded, invisible marks gone, single spaces

    @classmethod
    def of(cls, raw: str) -> Said:
        return cls(normalize(raw))
