"""The slots' values as types: every value the domain knows reads back as itself, and a value
this version doesn't know is treated as it always was."""

from __future__ import annotations

import pytest

from actions.state import Answer, OnboardingStep, Pending


@pytest.mark.parametrize("pending", list(Pending))
def test_a_pending_question_reads_back_as_the_same_string(pending: Pending) -> None:
    read = Pending.read(str(pending.value))
    assert read is pending and read == pending.value


@pytest.mark.parametrize("value", [None, "", "bogus", 3])
def test_no_known_question_reads_as_none(value: object) -> None:
    assert Pending.read(value) is None


def test_onboarding_steps_are_the_domains_values() -> None:
    assert [step.value for step in OnboardingStep] == ["language", "safety", "consent", "done"]
    assert OnboardingStep.read("done") is OnboardingStep.DONE
    assert OnboardingStep.read(None) is None  # first contact hasn't begun


@pytest.mark.parametrize("value", ["", "bogus", 3])
def test_an_unknown_onboarding_step_asks_consent_again(value: object) -> None:
    """Begun but not done: the step before done, as the old string comparisons read it."""
    assert OnboardingStep.read(value) is OnboardingStep.CONSENT


@pytest.mark.parametrize(
    ("intent", "said"),
    [("affirm", Answer.YES), ("deny", Answer.NO), ("skip", Answer.SKIP), ("greet", Answer.SKIP)],
)
def test_anything_but_yes_or_no_skips_the_question(intent: str, said: Answer) -> None:
    assert Answer.of(intent) is said
