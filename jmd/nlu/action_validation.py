"""Rasa's check of action server responses, with the schema checked once, not per response.

Rasa validates every response of the action server with ``jsonschema.validate``, which
first checks the schema itself against JSON Schema's meta-schema: a fifth of the Rasa
server's CPU per message (py-spy during `make bench`; two or three action calls a turn).
:func:`install` replaces that check with the same validation by a validator built once —
the same errors (jsonschema's best match), the same message added, the same exception.
"""

from __future__ import annotations

from typing import Any

from jsonschema import ValidationError, exceptions
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


def install() -> None:
    """Patch :class:`RemoteAction` in this process (again: no change)."""
    if getattr(RemoteAction._validate_action_result, "schema_checked_once", False):
        return
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        error: ValidationError | None = exceptions.best_match(validator.iter_errors(result))
        if error is None:
            return True
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error

    _validate_action_result.schema_checked_once = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
