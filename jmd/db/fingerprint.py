"""The pseudonym key's fingerprint in the database: a process with another key refuses to start.

Every table keys a person by ``pseudonym(telegram_id, PSEUDONYM_SECRET)``. Started with a
different key (``var/pseudonym.key`` lost and regenerated, a wrong ``PSEUDONYM_SECRET``),
the assistant would know nobody again and every later /delete would miss the old rows.

Invariants:

* The database keeps an HMAC of a fixed text under the key (:func:`fingerprint`), never
  the key; it is stored on the first start against a database without one.
* :func:`require_pseudonym_key` raises :class:`WrongPseudonymKey` (its message tells the
  operator what to restore) when the key differs; ``make run`` and the Telegram front
  call it before they start (the action server and Rasa never see the key).
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jmd.db.engine import in_transaction
from jmd.db.models import KeyFingerprint, utcnow
from jmd.shared.settings import get_settings

PSEUDONYM = "pseudonym"  # the row of the pseudonym key
_FIXED_TEXT = b"jmd: fingerprint of the pseudonym key, v1"


class WrongPseudonymKey(RuntimeError):
    """The configured pseudonym key is not the one this database's pseudonyms were made with."""


def fingerprint(secret: str) -> str:
    """HMAC-SHA256 of a fixed text under ``secret``: tells keys apart, reveals none."""
    return hmac.new(secret.encode(), _FIXED_TEXT, hashlib.sha256).hexdigest()


def _message() -> str:
    key_file = get_settings().var_dir / "pseudonym.key"
    return (
        "The pseudonym key does not match this database: its people were recorded with "
        "another key, so nobody would be recognised and /delete would miss their data. "
        f"Restore the previous key: put the backup of {key_file} back in place (replacing "
        "a newly generated one), or set PSEUDONYM_SECRET to the key used before. Do not "
        "start with a new key against this database."
    )


def check_key(session: Session, secret: str) -> bool:
    """Compare ``secret`` with the stored fingerprint; store it if there is none yet.

    Returns True when it was stored now (first start); raises :class:`WrongPseudonymKey`.
    """
    row = session.get(KeyFingerprint, PSEUDONYM)
    if row is None:
        session.add(KeyFingerprint(name=PSEUDONYM, fingerprint=fingerprint(secret),
                                   created_at=utcnow()))
        session.flush()
        return True
    if not hmac.compare_digest(str(row.fingerprint), fingerprint(secret)):
        raise WrongPseudonymKey(_message())
    return False


def require_pseudonym_key(engine: Engine | None = None, secret: str | None = None) -> bool:
    """:func:`check_key` for the configured key in its own transaction (True: stored now)."""
    key = secret or get_settings().pseudonym_secret
    try:
        return in_transaction(lambda session: check_key(session, key), engine)
    except IntegrityError:  # another process stored one at the same moment: compare
        return in_transaction(lambda session: check_key(session, key), engine)
