"""`python -m jmd.nlu.server run …`: Rasa's own command line, with the API token kept secret.

Rasa takes the HTTP API's token only as ``--auth-token`` on its command line, which every
local user can read (``ps``, ``/proc/<pid>/cmdline``). The launcher runs Rasa through this
module instead: it adds ``--auth-token`` from ``RASA_API_TOKEN`` inside the process, and
refuses ``--enable-api`` without a token, so the API (which can read every conversation and
load a model, i.e. run code) never runs open.
"""

from __future__ import annotations

import os
import sys

API_FLAG = "--enable-api"


def rasa_arguments(argv: list[str], api_token: str | None) -> list[str]:
    """Rasa's arguments: ``argv``, plus the token when the API is on."""
    if API_FLAG not in argv:
        return list(argv)
    if not api_token:
        raise SystemExit(
            "RASA_API_TOKEN is not set: Rasa's HTTP API (RASA_ENABLE_API=1) runs only with a token."
        )
    return [*argv, "--auth-token", api_token]


def main() -> None:
    arguments = rasa_arguments(sys.argv[1:], os.environ.get("RASA_API_TOKEN"))
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *arguments]
    rasa_main()


if __name__ == "__main__":
    main()
