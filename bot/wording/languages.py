"""The survivor's languages: how text is normalised, and which script it is in
(`language_guess` tells English from Roman Urdu)."""

from __future__ import annotations

import re
import unicodedata

# Arabic and Farsi letter variants that phones produce for Urdu letters.
_LETTER_FOLDS = str.maketrans(
    {
        "ي": "ی",  # ARABIC YEH
        "ى": "ی",  # ALEF MAKSURA
        "ك": "ک",  # ARABIC KAF
        "ه": "ہ",  # ARABIC HEH -> HEH GOAL
        "ۀ": "ۂ",
        "٫": ".",
        "؟": "?",
        "۔": ".",
        "،": ",",
        "؛": ";",
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # Extended Arabic-Indic (Urdu) digits
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
    }
)
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_DIACRITICS = re.compile("[\u064b-\u065f\u0670]")  # harakat and superscript alef
_SPACES = re.compile(r"\s+")
_URDU_LETTER = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


def normalize(text: str) -> str:
    """Fold letter variants, drop invisible marks and diacritics, collapse spaces.

    Applied to every inbound message before keywords and NLU, and to training data.
    """
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text).translate(_LETTER_FOLDS)
    text = _DIACRITICS.sub("", text)
    return _SPACES.sub(" ", text).strip()


def has_urdu_script(text: str) -> bool:
    return bool(_URDU_LETTER.search(text))
