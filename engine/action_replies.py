"""The action server's replies checked against Rasa's schema with a validator built once.

Rasa 3.6 checks every reply of the action server with `jsonschema.validate`, which checks
the schema itself against its meta-schema and builds a new validator on every call: about
half of the engine's own CPU per turn under `make bench` (docs/benchmarks.md, "Where the
time goes"). The same schema, the same errors (with Rasa's hint appended), checked by one
validator made the first time it is needed.
"""

from __future__ import annotations

import functools
from typing import Any

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@functools.cache
def _validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    checker = validator_for(schema)
    checker.check_schema(schema)  # once, as Rasa did on every call
    return checker(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    try:
        _validator().validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


def validate_once() -> None:
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
