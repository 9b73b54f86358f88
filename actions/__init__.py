"""Custom actions of the JMD assistant (run by `rasa run actions`).

Started as the action server (``python -m rasa_sdk --actions actions``), the package first
checks the pseudonym key against the database (jmd.db.fingerprint) and refuses to start
with another one; imported anywhere else (tests, tools) it touches no database.
"""

import sys

from jmd.shared.logging_setup import install_redaction

# rasa_sdk set up its own logging; redact secrets in every record of the action server.
install_redaction()


def _started_as_action_server() -> bool:
    """Whether this process is rasa_sdk's action server (``python -m rasa_sdk``)."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return spec is not None and spec.name in {"rasa_sdk", "rasa_sdk.__main__"}


if _started_as_action_server():
    from jmd.db.fingerprint import WrongPseudonymKey, require_pseudonym_key

    try:
        require_pseudonym_key()
    except WrongPseudonymKey as error:  # rasa_sdk would only log an ImportError and serve on
        print(f"action server not starting: {error}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
