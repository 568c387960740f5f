"""Mask what could identify a person before a message is kept for editors.

Numbers (in any digit script, and as words: "zero teen zero zero..."), e-mail and web
addresses and social handles, names (after "my name is", "mera naam", "میرا نام", "X ka
naam", and in "main X hun" unless X says how the person is), and places the gazetteer knows
(also misspelt, attached to a postposition, or joined by "/" or "-") become markers.
Masking errs on the side of too much: a masked word costs an editor a guess, an unmasked
phone number could cost a survivor their safety. What still looks like an address after
masking is not kept at all (`still_identifying`).
"""

from __future__ import annotations

import re
import unicodedata

from bot.directory.gazetteer import Gazetteer, fold
from bot.wording.languages import has_urdu_script


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


NUMBER = "‹number›"
NAME = "‹name›"
PLACE = "‹place›"
ADDRESS = "‹address›"
MARKERS = (NUMBER, NAME, PLACE, ADDRESS)

_SOCIAL = r"(?:insta|instagram|fb|facebook|tiktok|snap|snapchat|telegram|whatsapp|twitter|imo)"
_ADDRESS = re.compile(
    r"\S+\s?@\s?\S+"  # e-mail, also with the space phone keyboards put around @
    r"|\b[\w.+-]+\s+at\s+\w+\s+dot\s+\w+"  # "sana at gmail dot com"
    r"|\bhttps?://\S+|\bwww\.\S+|\b[\w.-]+\.(?:com|me|pk|net|org|ly|io|co)/\S*"
    r"|@\w{2,}|\b\w*_\w+\b",  # handles
    re.IGNORECASE,
)
_HANDLE = re.compile(
    rf"(?P<where>\b{_SOCIAL}\b\s*(?:(?:pe|par|per|id|on)\b\s*)?:?\s*)"
    r"(?!(?:pe|par|per|id|on)\b)(?P<handle>[^\s‹]\S*)",
    re.IGNORECASE,
)
# Any run of decimal digits (after NFKC, which turns full-width and styled digits into
# ASCII; \d also matches Arabic-Indic ones) with the separators phone numbers and CNICs use.
_NUMBER = re.compile(r"\+?\d(?:[\d\s\-./()]*\d)?")
_NUMBER_WORDS = _words(
    "zero one two three four five six seven eight nine ten eleven twelve "
    "sifar ek aik do teen tin char chaar panch paanch chhe chay che saat sat aath ath nau "
    "das gyarah barah صفر ایک دو تین چار پانچ چھ سات آٹھ نو دس گیارہ بارہ"
)
_NUMBER_CUES = _words(
    "number no nmbr nambar num house makan gali street plot flat sector block نمبر مکان گلی"
)
# After an explicit cue, one to three words are the name, until one of these.
_NAME_CUE = re.compile(
    r"\b(?:my name is|my name's|name is|name|naam|nam)\b\s*[:,\-]?\s*(?:(?:hai|he|is|h)\s+)?"
    r"|(?:نام)\s*[:،,]?\s*(?:ہے\s+)?",
    re.IGNORECASE,
)
_NOT_NAMES = _words(
    "hai he h hy ha is are was tha thi hun hoon hu mat na nahi nhi nai kya kia what and aur "
    "or ko se ka ki ke pe par per pr mein me main batana bataun batao likho kisi sab a the "
    "not of on to i we me my you mujhe mjhe hum plz pls please help madad "
    "ہے ہیں ہوں تھا تھی مت نہیں کیا اور کو سے کا کی کے پر میں کسی مجھے ہم مدد"
)
_SELF = re.compile(
    r"\b(?:main|mai|mein)\s+(?P<word>[^\s,.!?؟،]+)"
    r"(?=\s+(?:hun|hoon|hu|hn|bol rahi|bol raha|bol rhi|bol rha|here|speaking)\b|\s*$)"
    r"|میں\s+(?P<urdu>[^\s،؟]+)(?=\s+(?:ہوں|بول رہی|بول رہا))"
    # In English only a capitalised word: "I am Sana", not "i am lost" or "I am raped".
    r"|\b(?:i am|i'm|im|this is)\s+(?P<english>(?-i:[A-Z])[^\s,.!?]*)",
    re.IGNORECASE,
)
# What a person says they are, not who: kept in "main X hun" / "I am X".
_STATES = _words(
    "pareshan preshan akeli akela bimar beemar majboor majbur qaid band phansi phansa "
    "phans zakhmi darti darta dari dara khush theek thik thk ghar yahan yahin wahan wahin "
    "bhooki bhooka pyasi pyasa hamla haamla pregnant safe scared afraid alone lost trapped "
    "sick hurt tired hungry okay ok fine worried confused stuck here there not a an so very "
    "really still in at from with being going working living staying abroad bahar andar "
    "mazdoor naukar naukrani bachi bacha aurat larki larka maa baap ماں پریشان اکیلی اکیلا "
    "بیمار مجبور قید زخمی ڈری خوش ٹھیک گھر یہاں وہاں"
)
_SUFFIXES_URDU = ("میں", "سے", "کا", "کی", "کے", "کو", "والا", "والی", "والے")
_SUFFIXES_LATIN = ("mein", "main", "me", "se", "say", "wala", "wali", "walay", "walon", "walo")
_MIN_FUZZY = 6  # letters: shorter words match too much by accident
_STILL = re.compile(r"@|gmail|yahoo|hotmail|outlook|\bdot\s+com\b", re.IGNORECASE)


def mask(text: str, gazetteer: Gazetteer) -> str:
    """The message with numbers, addresses, names and places masked."""
    text = printable(unicodedata.normalize("NFKC", text))
    text = _ADDRESS.sub(ADDRESS, text)
    text = _mask_places(text, gazetteer)  # before numbers ("18 Hazari"), handles ("FB Area")
    text = _HANDLE.sub(lambda found: found["where"] + ADDRESS, text)
    text = _NUMBER.sub(NUMBER, text)
    text = _mask_number_words(text)
    return _mask_names(text)


def still_identifying(masked: str) -> bool:
    """Something that looks like an address survived masking: keep nothing then."""
    return bool(_STILL.search(masked))


def printable(text: str) -> str:
    """No control or format characters (a NUL breaks YAML, a ZWNJ hides a place)."""
    kept = []
    for character in text:
        category = unicodedata.category(character)
        if character in "\n\t\r":
            kept.append(" ")
        elif not category.startswith("C"):
            kept.append(character)
    return "".join(kept)


def _mask_places(text: str, gazetteer: Gazetteer) -> str:
    """Whole words, longest first; "Rawalpindi/Islamabad" is two."""
    words = re.sub(r"(?<=\w)[/\-](?=\w)", " ", text).split()
    masked: list[str] = []
    start = 0
    while start < len(words):
        for size in range(min(gazetteer.longest_name, len(words) - start), 0, -1):
            if _is_place(" ".join(words[start : start + size]), gazetteer, size):
                masked.append(PLACE)
                start += size
                break
        else:
            masked.append(words[start])
            start += 1
    return " ".join(masked)


def _is_place(words: str, gazetteer: Gazetteer, size: int) -> bool:
    if gazetteer.names_a_place(words):
        return True
    if size > 1 or words in MARKERS:
        return False
    stem = _without_postposition(words)
    if stem != words and gazetteer.names_a_place(stem):
        return True
    # A misspelt district ("Faisalabd", "gujranwla"): the gazetteer's own fuzzy match.
    plain = fold(stem)
    if len(plain) < _MIN_FUZZY or has_urdu_script(plain):
        return False
    place = gazetteer.resolve(plain)
    return place is not None and place.district is not None


def _without_postposition(word: str) -> str:
    suffixes = _SUFFIXES_URDU if has_urdu_script(word) else _SUFFIXES_LATIN
    lowered = word.lower()
    for suffix in suffixes:
        if lowered.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: len(word) - len(suffix)]
    return word


def _mask_number_words(text: str) -> str:
    """Three number words in a row, or one after "number", "house", "gali"..."""
    words = text.split()
    spoken = [w.lower().strip(",.;:") in _NUMBER_WORDS for w in words]
    masked: list[str] = []
    index = 0
    while index < len(words):
        end = index
        while end < len(words) and spoken[end]:
            end += 1
        after_cue = index > 0 and words[index - 1].lower().strip(",.;:") in _NUMBER_CUES
        if end - index >= 3 or (end > index and after_cue):
            masked.append(NUMBER)
            index = end
        else:
            masked.append(words[index])
            index += 1
    return " ".join(masked)


def _mask_names(text: str) -> str:
    text = _mask_after_cues(text)
    return _SELF.sub(_masked_self, text)


def _mask_after_cues(text: str) -> str:
    """Up to three words after a name cue, until a word that is no name."""
    out, position = [], 0
    for cue in _NAME_CUE.finditer(text):
        if cue.start() < position:
            continue
        out.append(text[position : cue.end()])
        position = cue.end()
        taken = 0
        while taken < 3:
            word = re.match(r"[^\s,.!?؟،:]+", text[position:])
            if not word or word[0].lower() in _NOT_NAMES or word[0] in MARKERS:
                break
            out.append(NAME if taken == 0 else "")
            position += word.end()
            space = re.match(r"\s+", text[position:])
            if space and taken < 2:
                peek = re.match(r"[^\s,.!?؟،:]+", text[position + space.end() :])
                if peek and peek[0].lower() not in _NOT_NAMES and peek[0] not in MARKERS:
                    position += space.end()
            taken += 1
    out.append(text[position:])
    return re.sub(r"\s{2,}", " ", "".join(out))


def _masked_self(match: re.Match[str]) -> str:
    word = match["word"] or match["urdu"] or match["english"]
    if word.lower() in _STATES or word in MARKERS:
        return match[0]
    return match[0].replace(word, NAME, 1)
