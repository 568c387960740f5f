"""The survivor's languages: which exist, how text is normalised, how a first message is guessed."""

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

# Frequent Roman-Urdu words that are not English: enough to tell the two apart.
_ROMAN_URDU_MARKERS = frozenset(
    """
    hai hain hy mujhe mujhay mujhy mjhe mera meri mere mein hoon hun hu kya kia
    nahi nahin nai nhi chahiye chahye chaiye madad kaise kesy kese karo kro karun kar raha
    rahi ap aap tum hum ham kahan kidhar salam assalam aoa walaikum shukriya bhai behen
    baat karni karna kuch koi wala wali ko se ka ki ke ye yeh wo woh jagah rehne bachao
    theek thik haan han ji acha achha khuda hafiz allah nikalo jaldi bohat
    """.split()  # noqa: SIM905 - a word list reads better as text
)
# Frequent English words: a message with more of these than of the above is English
# ("they locked me in the room" has Roman Urdu's "me" and "main" is English too).
_ENGLISH_MARKERS = frozenset(
    """
    i me my the a an is are am was were they he she we you it this that to in on of and
    please help locked beat beats will not can cant dont won't wont took take need want
    room house boss employer passport kill hurt sold here now
    """.split()  # noqa: SIM905
)


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


def guess_language(text: str, default: str = "en") -> str:
    """Guess the language of a first message, before the person has chosen one."""
    if has_urdu_script(text):
        return "ur"
    words = re.findall(r"[a-z']+", text.lower())
    roman = sum(word in _ROMAN_URDU_MARKERS for word in words)
    english = sum(word in _ENGLISH_MARKERS for word in words)
    if roman > english or (roman and not english):
        return "ur_Latn"
    return default
