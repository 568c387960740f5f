"""Mask what could identify a person before a message is kept for editors.

Numbers (a phone number, a CNIC, an amount, a house number), e-mail and web addresses,
names introduced by a pattern ("my name is", "mera naam", "میرا نام") and places the
gazetteer knows are replaced by a marker. Masking errs on the side of too much: a masked
word costs an editor a guess, an unmasked phone number could cost a survivor their safety.
"""

from __future__ import annotations

import re

from bot.directory.gazetteer import Gazetteer

NUMBER = "‹number›"
NAME = "‹name›"
PLACE = "‹place›"
ADDRESS = "‹address›"
MARKERS = (NUMBER, NAME, PLACE, ADDRESS)

_ADDRESS = re.compile(r"\S+@\S+|\bhttps?://\S+|\bwww\.\S+|@\w{3,}", re.IGNORECASE)
# Any run of digits (Latin, Arabic-Indic, Extended Arabic-Indic) with the separators people
# put inside phone numbers and CNICs: "0300-1234567", "+92 300 123 4567", "۰۳۰۰۱۲۳۴۵۶۷".
_NUMBER = re.compile(r"\+?[0-9٠-٩۰-۹](?:[0-9٠-٩۰-۹\s\-./()]*[0-9٠-٩۰-۹])?")
# The words after which a name follows, in the three languages; the name is one word, or two
# when the second starts with a capital letter ("my name is Sana Bibi").
_NAME_AFTER = re.compile(
    r"(?P<cue>\b(?:my name is|my name's|i am called|name is|mera naam|meri beti ka naam"
    r"|mere bete ka naam|beti ka naam|bete ka naam)\s+"
    r"|(?:میرا نام|میری بیٹی کا نام|میرے بیٹے کا نام)\s+)"
    r"(?P<name>[^\s,.!?؟،]+)(?P<second>\s+(?-i:[A-Z])[^\s,.!?؟،]*)?",
    re.IGNORECASE,
)
# What follows the cue and is not a name ("mera naam mat batana", "naam hai"): kept.
_NOT_A_NAME = {
    "hai", "he", "h", "ha", "hy", "is", "mat", "na", "nahi", "nhi", "kya", "kia", "what",
    "ہے", "کیا", "نہیں", "مت", "not", "a", "the", "me", "mai", "main",
}  # fmt: skip


def mask(text: str, gazetteer: Gazetteer) -> str:
    """The message with numbers, addresses, introduced names and known places masked."""
    text = _ADDRESS.sub(ADDRESS, text)
    text = _mask_places(text, gazetteer)  # before numbers: "18 Hazari" is a place
    text = _NUMBER.sub(NUMBER, text)
    return _NAME_AFTER.sub(_masked_name, text)


def _masked_name(match: re.Match[str]) -> str:
    if match["name"].lower() in _NOT_A_NAME or match["name"] in MARKERS:
        return match[0]
    return match["cue"] + NAME


def _mask_places(text: str, gazetteer: Gazetteer) -> str:
    """Whole words only, longest first; spelling-tolerant matching is off (it would mask
    ordinary words), the exact spellings of the gazetteer are on."""
    words = text.split()
    masked: list[str] = []
    start = 0
    while start < len(words):
        for size in range(min(gazetteer.longest_name, len(words) - start), 0, -1):
            if gazetteer.names_a_place(" ".join(words[start : start + size])):
                masked.append(PLACE)
                start += size
                break
        else:
            masked.append(words[start])
            start += 1
    return " ".join(masked)
