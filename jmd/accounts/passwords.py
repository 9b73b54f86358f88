"""Password hashes: scrypt (standard library) with a random salt per password.

Format ``scrypt$n$r$p$salt_hex$hash_hex``; :func:`verify` compares in constant time and
takes the parameters from the stored hash, so stronger parameters later still verify old
hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1
MIN_LENGTH = 10


def hash_password(password: str) -> str:
    """A new salted scrypt hash of ``password``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (False for a malformed hash)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n),
                                   r=int(r), p=int(p), dklen=len(digest) // 2)
    except ValueError:
        return False
    return hmac.compare_digest(candidate.hex(), digest)


def weakness(password: str) -> str | None:
    """Why ``password`` is too weak to set, or None."""
    if len(password) < MIN_LENGTH:
        return f"mindestens {MIN_LENGTH} Zeichen"
    if password.isdigit() or password.isalpha():
        return "Buchstaben und Ziffern oder Zeichen mischen"
    return None
