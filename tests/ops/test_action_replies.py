"""The engine checks the action server's replies with a validator built once
(engine/action_replies.py), in the engine's own environment: the same replies pass, the
same ones are refused with Rasa's hint, and the schema is not checked again on each call
(Rasa's own check cost about half of the engine's CPU per turn)."""

from __future__ import annotations

import subprocess
import textwrap

from bot.config import ROOT
from bot.ops.stack import PRIVATE_RASA

CHECK = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, "engine")
    import action_replies
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    action_replies.validate_once()
    action = object.__new__(RemoteAction)
    reply = {"events": [{"event": "slot", "name": "language", "value": "ur"}],
             "responses": [{"custom": {"key": "menu.main"}}]}
    for _ in range(3):
        print("valid", RemoteAction._validate_action_result(action, reply))
    for bad in ({"events": "not a list"}, {"responses": [7]}):
        try:
            RemoteAction._validate_action_result(action, bad)
        except ValidationError as error:
            print("refused", "Failed to validate Action server response" in error.message)
    print("built", action_replies._validator.cache_info().misses)
    """
)


def test_action_replies_are_checked_by_one_validator_with_rasas_errors() -> None:
    done = subprocess.run(
        [PRIVATE_RASA[0], "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert lines == ["valid True"] * 3 + ["refused True"] * 2 + ["built 1"]
