"""Every message the flows can produce fits SMS limits in every language (SAFETY.md 7, 8)."""

from __future__ import annotations

import pytest

from bot.editing.check import SAMPLE_PARAMS
from bot.editing.message_keys import all_keys
from bot.editing.walk import collect_messages
from bot.handoff.canned import CANNED_FILE
from bot.wording.catalogs import Catalogs
from bot.wording.messages import BotMessage, Listing, Option
from bot.wording.render import Channel, render
from bot.wording.segments import MAX_SEGMENTS

LANGUAGES = ["en", "ur", "ur_Latn"]


@pytest.fixture(scope="module")
def messages() -> list[BotMessage]:
    return collect_messages()


def used_keys(messages: list[BotMessage]) -> set[str]:
    keys = {m.key for m in messages}
    for m in messages:
        keys |= {o.key for o in m.options} | ({m.zero.key} if m.zero else set())
        keys |= _keys_in_params(m.params)
    return keys


def _keys_in_params(params: dict[str, object]) -> set[str]:
    """Messages given as parameters ({"key": "hours.on_day", "params": {"day": {...}}})."""
    found: set[str] = set()
    for value in params.values():
        if isinstance(value, dict) and isinstance(value.get("key"), str):
            found |= {value["key"]} | _keys_in_params(value.get("params") or {})
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_sms_reply_is_at_most_two_segments(
    catalogs: Catalogs, messages: list[BotMessage], language: str
) -> None:
    for message in messages:
        for reply in render(message, language, Channel.SMS, catalogs):
            assert reply.segments <= MAX_SEGMENTS, (message.key, reply.text, reply.segments)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_alone_fits(catalogs: Catalogs, language: str) -> None:
    for key in all_keys():
        [reply] = render(BotMessage(key, params=SAMPLE_PARAMS), language, Channel.SMS, catalogs)
        assert reply.segments <= MAX_SEGMENTS, (key, reply.text)


def test_the_walks_reach_every_key_the_flows_use(messages: list[BotMessage]) -> None:
    """So that the segment test above sees every message with its real menu."""
    # The gateway's own lines, and canned replies the console sends.
    gateway_only = {k for k, where in all_keys().items() if where.startswith(("bot/", CANNED_FILE))}
    gateway_only |= {"language.name"}  # an option shown in its own language
    # Staff back today or tomorrow: depends on the clock; "on {day}" is the longest wording.
    by_the_clock = {"hours.today", "hours.tomorrow"}
    assert set(all_keys()) - gateway_only - used_keys(messages) <= by_the_clock | {
        f"service_type.{kind}"
        for kind in ["police", "rescue", "helpline", "labour_rights", "financial_support"]
    }


def test_sms_menu_is_numbered_with_zero_last(catalogs: Catalogs) -> None:
    message = BotMessage(
        "safety.ask",
        options=(Option("option.safe_now", "/affirm"), Option("option.later", "/deny")),
        zero=Option("option.skip", "/skip"),
    )
    [reply] = render(message, "en", Channel.SMS, catalogs)
    assert reply.text.splitlines()[1:] == ["1 Yes, it is safe", "2 Later", "0 Skip"]
    assert reply.menu == {"1": "/affirm", "2": "/deny", "0": "/skip"}
    [telegram] = render(message, "en", Channel.TELEGRAM, catalogs)
    assert telegram.text == catalogs.render("en", "safety.ask")
    assert telegram.options == ["1 Yes, it is safe", "2 Later", "0 Skip"]


def test_long_service_lists_split_between_whole_listings(catalogs: Catalogs) -> None:
    listing = Listing(
        {"en": "A helpline", "ur": "ایک بہت لمبے نام والی ہیلپ لائن سروس"}, "0300-0000000", "24/7"
    )
    message = BotMessage("service.results", listings=(listing,) * 5)
    replies = render(message, "ur", Channel.SMS, catalogs)
    assert len(replies) > 1
    assert all(r.segments <= MAX_SEGMENTS for r in replies)
    assert sum(r.text.count("0300-0000000") for r in replies) == 5


def test_language_names_are_shown_in_their_own_language(catalogs: Catalogs) -> None:
    options = tuple(Option("language.name", "/x", in_language=code) for code in LANGUAGES)
    [reply] = render(BotMessage("language.ask", options=options), "en", Channel.SMS, catalogs)
    assert reply.text.splitlines()[1:] == ["1 English", "2 اردو", "3 Roman Urdu"]


@pytest.mark.parametrize(
    "payload",
    [None, {}, {"key": ""}, {"key": 3}, {"key": "x", "params": []}, {"key": "x", "options": [{"key": "y"}]},
     {"key": "x", "listings": [{"phone": "1"}]}, {"key": "x", "options": [{"key": "a", "payload": "/b"}] * 5},
     {"key": "x", "unrecognised": "ask_rights"}, {"key": "x", "unrecognised": [["a", "high"]]},
     {"key": "x", "unrecognised": [["a", True]]}, {"key": "x", "unrecognised": [["a"]]}],
)  # fmt: skip
def test_malformed_engine_payloads_are_refused(payload: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        BotMessage.from_payload(payload)


def test_the_models_guesses_travel_with_a_message_not_understood() -> None:
    message = BotMessage("fallback.first", unrecognised=(("ask_rights", 0.41), ("greet", 0.2)))
    assert BotMessage.from_payload(message.to_payload()) == message
    assert BotMessage.from_payload({"key": "x", "unrecognised": []}).unrecognised == ()
    assert BotMessage.from_payload({"key": "x"}).unrecognised is None


def test_listing_names_stay_in_the_persons_script() -> None:
    listing = Listing({"en": "Police emergency", "ur": "پولیس ایمرجنسی"}, "15")
    assert listing.name_in("ur") == "پولیس ایمرجنسی"
    assert listing.name_in("ur_Latn") == "Police emergency"
    assert listing.name_in("en") == "Police emergency"
    assert Listing({"ur": "صرف اردو"}, "1").name_in("en") == "صرف اردو"
