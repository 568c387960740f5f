"""Every fact a survivor reads names its public source (issue 15)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.config import ROOT, get_settings
from bot.editing.check import run_checks
from bot.editing.sources import (
    DOC,
    Source,
    SourceBook,
    current_doc,
    listing_gaps,
    needs_source,
    read_seed,
    text_gaps,
)

LAW = Source(
    "ptpa-2018", "PTPA 2018", "Pakistan Code", "https://example.org/ptpa", "2018-05-31",
    date(2026, 11, 30), "s.3",
)  # fmt: skip


@pytest.mark.parametrize(
    ("key", "english", "needed"),
    [
        ("info.forced_marriage", "About marriage:\nWhich is closest?", True),  # every info step
        ("privacy.notice", "No one sees them without a court order.", True),
        ("welcome.intro", "Forcing a girl to marry is a crime.", True),
        ("handoff.ask", "Would you like to talk to a person?", False),
        ("canned.safe_now", "Are you safe right now?", False),  # "right" is not "rights"
        ("option.topic.court", "Courts", False),  # a menu label states nothing
        ("service_type.legal_aid", "Legal help", False),
    ],
)
def test_what_counts_as_a_statement_of_fact(key: str, english: str, needed: bool) -> None:
    assert needs_source(key, english) is needed


def test_a_legal_statement_without_a_source_is_a_gap() -> None:
    book = SourceBook(
        {"ptpa-2018": LAW},
        {"info.a": ("ptpa-2018",), "info.b": ("nowhere",)},
        frozenset({"info.q"}),
    )
    english = {
        "info.a": "The law says...",
        "info.b": "It is a crime.",
        "info.c": "A court can order it.",
        "info.q": "Which is closest to yours?",
        "menu.main": "What would you like to do?",
    }
    problems = [gap.problem for gap in text_gaps(book, english, "sources.yml")]
    assert problems == [
        "'info.b' cites 'nowhere', which is not under `sources:`",
        "'info.c' states a fact or speaks of the law and names no source",
    ]


def test_a_source_must_say_where_when_and_what_was_checked() -> None:
    unchecked = Source("x", "A title", "", "", "", None, "")
    problems = [
        g.problem for g in text_gaps(SourceBook({"x": unchecked}, {}, frozenset()), {}, "f")
    ]
    assert problems == [
        "source 'x' has no url",
        "source 'x' has no accessed",
        "source 'x' has no checked",
    ]


def test_a_listing_without_its_source_is_a_gap_and_a_draft_needs_less() -> None:
    seed = [
        {"id": "ok", "status": "listed", "source": "Dawn", "source_date": date(2023, 1, 1),
         "source_url": "https://dawn.com/x", "checked": "number and hours"},
        {"id": "bare", "status": "listed", "source": "Dawn"},
        {"id": "draft", "status": "unconfirmed", "source": "no primary source found", "checked": "searched"},
    ]  # fmt: skip
    problems = [g.problem for g in listing_gaps(seed, "seed")]
    assert problems == [
        "listing 'bare' has no checked",
        "listing 'bare' has no source_date",
        "listing 'bare' has no source_url",
    ]


def test_the_shipped_texts_and_listings_all_name_their_sources() -> None:
    findings = [f for f in run_checks(get_settings(), rasa=False) if "source" in f.problem]
    assert findings == []
    assert listing_gaps(read_seed(get_settings().seed_services_file), "seed") == []


def test_the_sources_page_is_current() -> None:
    """docs/content-sources.md is generated: `rahnuma content sources` after any change."""
    assert (ROOT / DOC).read_text(encoding="utf-8") == current_doc(get_settings())


def test_the_sources_page_lists_every_listing_and_cited_text() -> None:
    page = current_doc(get_settings())
    for entry in read_seed(get_settings().seed_services_file):
        assert f"`{entry['id']}`" in page
    assert "`info.trafficking`" in page
