"""`python -m jmd.action_server`: the action server (rasa-sdk), locked down.

rasa-sdk's own command (`python -m rasa_sdk`) listens on every interface and serves anyone
who asks: list the slot refs, book every slot. This one

* listens on ``ACTION_SERVER_INTERFACE`` (127.0.0.1 unless told otherwise);
* answers ``/webhook`` and ``/actions`` only with ``ACTION_SERVER_TOKEN`` in an
  ``Authorization: Bearer`` header (Rasa sends it: ``endpoints.yml``); everything else
  without it gets 401, ``/health`` stays open for health checks;
* refuses to start without a token (``make run`` makes one up per start);
* allows no cross-origin requests (rasa-sdk allows every origin by default).

It runs as one process (no Sanic worker processes), so its pid is the one that listens.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from jmd.shared.settings import get_settings
from jmd.shared.tokens import HEADER, authorized

logger = logging.getLogger("jmd.action_server")  # also when run as __main__

OPEN_PATHS = frozenset({"/health"})


def create(token: str, package: str = "actions") -> Sanic[Any, Any]:
    """rasa-sdk's app with the actions of ``package``, behind ``token``."""
    executor = ActionExecutor()
    executor.register_package(package)
    app: Sanic[Any, Any] = create_app(executor, cors_origins="")

    async def authenticate(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or authorized(request.headers.get(HEADER), token):
            return None
        logger.warning("refused a request without the action server token")
        return response.json({"error": "unauthorized"}, status=401)

    app.on_request(authenticate)
    return app


def main() -> int:
    settings = get_settings()
    if not settings.action_server_token:
        print("ACTION_SERVER_TOKEN is not set: the action server serves nobody without it."
              " `make run` makes one up; otherwise set the same value for the action server"
              " and the Rasa server.", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)-8s %(name)s  - %(message)s"
    )
    app = create(settings.action_server_token)
    logger.info("action server on %s:%d", settings.action_server_interface, settings.action_port)
    app.run(
        host=settings.action_server_interface, port=settings.action_port,
        single_process=True, access_log=False, motd=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
