"""Shared tokens between the assistant's own processes (both environments import this).

A process that calls another sends ``Authorization: Bearer <token>``; the called one checks
it with :func:`authorized`. Invariant: a server without a configured token refuses every
request (secure by default) rather than serving everyone.
"""

from __future__ import annotations

import hmac

HEADER = "Authorization"
_SCHEME = "Bearer "


def bearer(token: str | None) -> dict[str, str]:
    """The header that carries ``token`` (none without a token)."""
    return {HEADER: _SCHEME + token} if token else {}


def authorized(header: str | None, token: str | None) -> bool:
    """True when ``header`` (the Authorization header's value) carries ``token``."""
    if not token or not header or not header.startswith(_SCHEME):
        return False
    # constant-time: the answer must not tell an attacker how much of a guess was right
    return hmac.compare_digest(header[len(_SCHEME):].encode(), token.encode())
