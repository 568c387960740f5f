"""Real conversations through the gateway, the real engine and the real action server."""

from __future__ import annotations

import httpx
import pytest

from bot.wording.languages import has_urdu_script
from tests.auxil.survivor import Survivor, has_service_list, text_of

pytestmark = pytest.mark.e2e

ENGLISH, URDU, ROMAN_URDU = "en", "ur", "ur_Latn"


def turns_until_services(survivor: Survivor, messages: list[str]) -> int:
    for turn, message in enumerate(messages, start=1):
        if has_service_list(survivor.says(message)):
            return turn
    raise AssertionError(f"no service list after {len(messages)} turns: {survivor.transcript}")


def test_health_reports_every_part(gateway: httpx.Client) -> None:
    health = gateway.get("/healthz").json()
    assert {k: health[k] for k in ("status", "engine", "actions", "database")} == {
        "status": "ok",
        "engine": "ok",
        "actions": "ok",
        "database": "ok",
    }


def test_first_reply_introduces_the_service(gateway: httpx.Client) -> None:
    replies = Survivor(gateway).says("hello")
    intro = replies[0]["text"]
    assert "A computer answers, not a person" in intro and "not the police" in intro
    assert "from Rahnuma demo, a non-profit" in intro  # the organisation setting (rule 1)
    assert "15" in intro and "1122" in intro
    # On SMS the words that switch language and the safety question travel with it.
    assert "For Urdu send URDU, for Roman Urdu send ROMAN." in intro
    assert intro.endswith("Is it safe to text now? Someone may see this phone.\n"
                          "1 Yes, it is safe\n2 Later\n0 Skip")  # fmt: skip
    assert len(replies) == 1 and replies[0]["segments"] == 2 and replies[0]["encoding"] == "GSM-7"


def test_roman_urdu_help_in_lahore_reaches_services(gateway: httpx.Client) -> None:
    survivor = Survivor(gateway)
    survivor.onboard(ROMAN_URDU)
    turns = turns_until_services(survivor, ["mujhe madad chahiye, main lahore mein hoon", "1", "0"])
    assert turns <= 3
    reply = survivor.transcript[-1][1]
    assert not has_urdu_script(text_of(reply).replace("Lahore", ""))
    assert "Lahore" in text_of(reply)


def test_urdu_shelter_request_reaches_services_in_urdu(gateway: httpx.Client) -> None:
    survivor = Survivor(gateway, channel="telegram")
    survivor.onboard(URDU)
    turns = turns_until_services(survivor, ["مجھے رہنے کی جگہ چاہیے", "لاہور", "0"])
    assert turns <= 3
    assert has_urdu_script(survivor.transcript[-1][1][0]["text"])


def test_english_lawyer_in_multan_reaches_services(gateway: httpx.Client) -> None:
    survivor = Survivor(gateway)
    survivor.onboard(ENGLISH)
    assert turns_until_services(survivor, ["I need a lawyer in Multan", "0", "0"]) <= 3
    listing = text_of(survivor.transcript[-1][1])
    assert "Services near Multan" in listing
    # Province first (Punjab), then national helplines (on page two when the directory holds
    # a Multan listing of its own: tests/e2e/test_directory_referrals.py adds one).
    assert "1043" in listing
    assert "1098" not in listing or listing.index("1043") < listing.index("1098")


def test_a_first_message_request_is_answered_after_onboarding(gateway: httpx.Client) -> None:
    survivor = Survivor(gateway)
    survivor.says("I need a lawyer in Multan")
    survivor.says("1")  # safe to talk
    assert has_service_list(survivor.says("1"))  # yes to keeping: then the request


@pytest.mark.parametrize(
    "cry",
    [
        "mujhe bachao",
        "مجھے بچاؤ",
        "they locked me in",
        "the landlord's guys have a rifle and are shouting at us",
    ],
)
@pytest.mark.parametrize("after", ["nothing", "onboarding", "a question"])
def test_danger_gets_emergency_numbers_in_the_very_next_reply(
    gateway: httpx.Client, cry: str, after: str
) -> None:
    survivor = Survivor(gateway)
    if after != "nothing":
        survivor.onboard(ENGLISH)
    if after == "a question":
        survivor.says("I need help")
    reply = text_of(survivor.says(cry))
    assert "15" in reply and "1122" in reply


def test_telegram_replies_carry_button_options(gateway: httpx.Client) -> None:
    replies = Survivor(gateway, channel="telegram").says("hi")
    assert replies[-1]["options"] == ["1 Yes, it is safe", "2 Later", "0 Skip"]
    assert "1 Yes" not in replies[-1]["text"]
    assert len(replies) == 3  # Telegram costs nothing per message: nothing packed


def test_skip_to_everything_still_reaches_numbers_and_services(gateway: httpx.Client) -> None:
    survivor = Survivor(gateway)
    seen = [survivor.says("skip") for _ in range(6)]
    assert "1122" in text_of(seen[0])
    assert any(has_service_list(replies) for replies in seen)


def test_delete_erases_and_confirms_in_the_persons_language(gateway: httpx.Client) -> None:
    survivor = Survivor(gateway)
    survivor.onboard(URDU)
    asked = survivor.says("DELETE")
    assert has_urdu_script(asked[0]["text"]) and asked[0]["text"].splitlines()[-1][0] == "0"
    reply = survivor.says("1")
    assert has_urdu_script(reply[0]["text"])
    # Erased: the next message starts over with the introduction.
    assert "1122" in survivor.says("salam")[0]["text"]


def test_language_can_be_switched_at_any_time(gateway: httpx.Client) -> None:
    survivor = Survivor(gateway)
    survivor.onboard(ENGLISH)
    reply = survivor.says("urdu")
    assert has_urdu_script(reply[0]["text"])
