"""Every district of Pakistan, matched from English, Urdu script or Roman Urdu, tolerating typos."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from bot.wording.languages import has_urdu_script, normalize

ABROAD_FILE = "places_abroad.yaml"
_NON_WORD = re.compile(r"[^\w\s]")
_FUZZY_CUTOFF = 88  # below this, asking again beats guessing a wrong district
_LOCATION_SUFFIXES = re.compile(r"\b(mein|mai|me|main|se|say|sy|city|district|zila|shehar)$")
_URDU_SUFFIXES = re.compile(r"\s*(میں|سے|شہر|ضلع)$")
# Words that make a nearby name a place: "in", "from", "district" ("Kasur se", "ضلع قصور").
_CUE_BEFORE = frozenset(
    ["from", "in", "at", "near", "zila", "district", "city", "shehar", "ضلع", "شہر"]
)
_ROMAN_CUES_AFTER = ["se", "say", "sy", "mein", "mai", "me", "main", "district", "zila", "city"]
_CUE_AFTER = frozenset([*_ROMAN_CUES_AFTER, "shehar", "سے", "میں", "شہر", "ضلع"])
# How much of a message `find_in` reads. Each word costs up to three fuzzy searches over about
# 1,700 spellings, so a 4,096-character message (the simulator's and Telegram's limit) would
# cost thousands of them in the action server (review F19m). 200 characters are more than an
# SMS segment and where people name their place ("main Lahore se hoon"); a place named only
# after them is not found in the sentence, and the bot asks for the district instead.
PLACE_SEARCH_CHARACTERS = 200


@dataclass(frozen=True)
class District:
    name: str
    province: str
    ur: str
    names: tuple[str, ...] = field(default=())  # every folded spelling that means this district
    spellings: tuple[str, ...] = field(default=())  # as written (lowercase), for NLU data


@dataclass(frozen=True)
class Country:
    """A country abroad where Pakistanis are taken or sent to work (places_abroad.yaml)."""

    name: str
    ur: str


@dataclass(frozen=True)
class Place:
    """What a place name resolved to: one district, or a province, or several candidates,
    or a country abroad."""

    district: District | None = None
    province: str | None = None
    candidates: tuple[str, ...] = ()
    country: Country | None = None


def fold(text: str) -> str:
    """Lowercase, no punctuation, single spaces, Urdu letters folded, no spaces in Urdu."""
    text = " ".join(_NON_WORD.sub(" ", normalize(text).lower()).split())
    if has_urdu_script(text):
        # People swap ھ and ہ in place names (لاھور); both sides of a match fold the same way.
        return text.replace(" ", "").replace("ھ", "ہ")
    return text


class Gazetteer:
    def __init__(self, data: dict) -> None:
        self.districts: dict[str, District] = {}
        self._index: dict[str, str] = {}  # folded spelling -> district name
        self._provinces: dict[str, str] = {}  # folded spelling -> province
        self._ambiguous: dict[str, tuple[str, ...]] = {}
        self._countries: dict[str, Country] = {}
        self._add_countries(data.get("countries", []))
        context = data.get("needs_context", {})
        context_words = {fold(str(w)) for w in [*context.get("roman", []), *context.get("ur", [])]}
        self.province_ur: dict[str, str] = {}
        for entry in data.get("provinces", []):
            self.province_ur[entry["name"]] = entry["ur"]
            for spelling in [
                entry["name"],
                entry["ur"],
                *entry.get("ur_alt", []),
                *entry.get("aliases", []),
            ]:
                self._provinces[fold(spelling)] = entry["name"]
        for entry in data.get("ambiguous", []):
            self._ambiguous[fold(entry["term"])] = tuple(entry["candidates"])
        for entry in data["districts"]:
            spellings = [
                entry["name"],
                entry["ur"],
                *entry.get("ur_alt", []),
                *entry.get("aliases", []),
                *entry.get("cities", []),
                *entry.get("cities_ur", []),
            ]
            folded = tuple(dict.fromkeys(fold(s) for s in spellings if s))
            written = tuple(dict.fromkeys(normalize(s).lower() for s in spellings if s))
            district = District(entry["name"], entry["province"], entry["ur"], folded, written)
            self.districts[district.name] = district
            for spelling in folded:
                self._index.setdefault(spelling, district.name)
        # In words: how far a search for a name in a sentence must look ("mandi baha ud din").
        self.longest_name = max(
            (len(spelling.split()) for d in self.districts.values() for spelling in d.spellings),
            default=1,
        )
        # Districts named by an ordinary word (قصور "fault", باغ "garden"): in a sentence,
        # any spelling of them is a place only next to a word that says "place".
        self._needs_context = {
            name for name, d in self.districts.items() if context_words & set(d.names)
        }

    @classmethod
    def from_file(cls, path: Path) -> Gazetteer:
        """The districts file, and `places_abroad.yaml` beside it when there is one."""
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        abroad = path.parent / ABROAD_FILE
        if abroad.exists():
            data = {**data, **yaml.safe_load(abroad.read_text(encoding="utf-8"))}
        return cls(data)

    def _add_countries(self, entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            country = Country(entry["name"], entry["ur"])
            spellings = [entry["name"], entry["ur"], *entry.get("aliases", [])]
            for spelling in [*spellings, *entry.get("ur_names", [])]:
                self._countries[fold(spelling)] = country

    def all_spellings(self) -> dict[str, list[str]]:
        """District name -> every spelling (for NLU synonyms and lookup tables)."""
        return {name: list(d.spellings) for name, d in self.districts.items()}

    def resolve(self, text: str) -> Place | None:
        """The place a person named, or None when nothing is close enough."""
        key = fold(text)
        key = (
            _URDU_SUFFIXES.sub("", key)
            if has_urdu_script(key)
            else _LOCATION_SUFFIXES.sub("", key).strip()
        )
        if not key:
            return None
        if key in self._index:
            return Place(district=self.districts[self._index[key]])
        if key in self._ambiguous:
            return Place(candidates=self._ambiguous[key])
        if key in self._provinces:
            return Place(province=self._provinces[key])
        if key in self._countries:
            return Place(country=self._countries[key])
        if len(key) < 4:  # short strings match too much by accident
            return None
        best = process.extractOne(
            key, self._index.keys(), scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF
        )
        if best is None:
            return None
        return Place(district=self.districts[self._index[best[0]]])

    def names_a_place(self, words: str) -> bool:
        """These words are exactly a spelling of a district, city or province of Pakistan (no
        fuzzy matching: masking must not eat ordinary words that look alike). A country is
        not a place that finds a person, and "stuck in Saudi" is what an editor must read."""
        key = fold(words)  # "لاہور میں" is no spelling: the postposition stays a word
        if len(key) < 3:
            return False
        return any(key in index for index in (self._index, self._provinces, self._ambiguous))

    def find_in(self, text: str) -> Place | None:
        """A place named in a longer message (in its first PLACE_SEARCH_CHARACTERS
        characters): the longest known spelling wins."""
        text = _beginning(text)
        words = fold(text).split() if not has_urdu_script(text) else text.split()
        for size in (3, 2, 1):
            for start in range(len(words) - size + 1):
                place = self.resolve(" ".join(words[start : start + size]))
                if not place or not (place.district or place.province or place.country):
                    continue
                ordinary_word = place.district and place.district.name in self._needs_context
                # ریاض is Riyadh, and the name Riaz: abroad also needs "in", "mein", "se"...
                needs_cue = ordinary_word or place.country is not None
                if needs_cue and size < len(words) and not _has_cue(words, start, start + size):
                    continue  # "mera koi qasoor nahi" is not Kasur
                return place
        return None


@lru_cache
def load_gazetteer(path: Path) -> Gazetteer:
    return Gazetteer.from_file(path)


def _beginning(text: str) -> str:
    """The first PLACE_SEARCH_CHARACTERS characters, without a word cut in two (half a word
    could look like another place)."""
    if len(text) <= PLACE_SEARCH_CHARACTERS:
        return text
    head = text[:PLACE_SEARCH_CHARACTERS]
    if text[PLACE_SEARCH_CHARACTERS].isspace():
        return head
    whole, _, _ = head.rpartition(" ")
    return whole or head


def _has_cue(words: list[str], start: int, end: int) -> bool:
    """A word in or next to words[start:end] that says the name is a place."""
    inside = {fold(w) for w in words[start:end]}
    before = {fold(words[start - 1])} if start > 0 else set()
    after = {fold(words[end])} if end < len(words) else set()
    return bool((inside | before) & _CUE_BEFORE or (inside | after) & _CUE_AFTER)
