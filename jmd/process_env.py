"""What the launcher gives each process: its secrets, its tokens, private files.

Invariants:
* each child process gets the launcher's environment without any secret, plus exactly the
  secrets it uses (:data:`SECRETS_OF`), so a leak in one process (a log of its environment,
  a crash report, ``/proc/<pid>/environ``) does not give away the others' secrets;
* the shared tokens between the processes exist on every start: those not configured are
  made up per start (:func:`with_tokens`), so nothing ever runs unauthenticated;
* what the processes write under ``var/`` (database, logs, pseudonym key) is readable by
  the owner only (:func:`private_files`).
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
from pathlib import Path

from jmd.shared.settings import Settings

# secret environment variable -> the setting that holds it
SECRET_SETTINGS: dict[str, str] = {
    "TELEGRAM_BOT_TOKEN": "telegram_bot_token",
    "TELEGRAM_WEBHOOK_SECRET": "telegram_webhook_secret",
    "PSEUDONYM_SECRET": "pseudonym_secret",
    "RASA_CHANNEL_TOKEN": "rasa_channel_token",
    "ACTION_SERVER_TOKEN": "action_server_token",
    "RASA_API_TOKEN": "rasa_api_token",
}

SECRETS_OF: dict[str, frozenset[str]] = {
    # talks to Telegram, checks webhook calls, turns Telegram IDs into pseudonyms, sends to
    # Rasa's jmd channel
    "telegram": frozenset({"TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "PSEUDONYM_SECRET",
                           "RASA_CHANNEL_TOKEN"}),
    # checks the channel's callers, calls the action server, guards its HTTP API (if on)
    "rasa": frozenset({"RASA_CHANNEL_TOKEN", "ACTION_SERVER_TOKEN", "RASA_API_TOKEN"}),
    # checks Rasa's calls; sees only pseudonyms, never Telegram IDs
    "action-server": frozenset({"ACTION_SERVER_TOKEN"}),
    # the web console: its own sessions in the database; loads a newly trained model into
    # the Rasa servers through their HTTP API ("train and publish"); no Telegram secret
    "console": frozenset({"RASA_API_TOKEN"}),
}

# what Telegram accepts as a webhook's secret_token
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def with_tokens(settings: Settings) -> Settings:
    """``settings`` with a random token for each shared token that is not configured.

    Rasa's HTTP API is on: the web console, which `make run` always starts, loads a newly
    trained model through it ("train and publish"). Its token, unless configured, is made
    up per start like the others and given to Rasa and the console only (:data:`SECRETS_OF`).
    """
    return dataclasses.replace(
        settings,
        rasa_channel_token=settings.rasa_channel_token or secrets.token_urlsafe(32),
        action_server_token=settings.action_server_token or secrets.token_urlsafe(32),
        rasa_enable_api=True,
        rasa_api_token=settings.rasa_api_token or secrets.token_urlsafe(32),
    )


def webhook_problem(settings: Settings) -> str | None:
    """Why the Telegram front must not start in webhook mode, or None."""
    if not settings.telegram_webhook_url:
        return None
    secret = settings.telegram_webhook_secret
    if not secret:
        return ("TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not: without it"
                " anyone could send the front forged updates. Set TELEGRAM_WEBHOOK_SECRET to a"
                " random string (1-256 characters: A-Z, a-z, 0-9, _ and -), e.g. the output of"
                " `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`.")
    if not _WEBHOOK_SECRET.fullmatch(secret):
        return ("TELEGRAM_WEBHOOK_SECRET may only contain A-Z, a-z, 0-9, _ and - (1-256"
                " characters): Telegram refuses any other secret.")
    return None


def backend_problem(settings: Settings) -> str | None:
    """Why the action server and Rasa must not start with ``settings``, or None."""
    if settings.rasa_enable_api and not settings.rasa_api_token:
        return ("RASA_ENABLE_API=1 needs RASA_API_TOKEN: Rasa's HTTP API can read every"
                " conversation and load a model, it never runs without a token.")
    if not settings.rasa_channel_token or not settings.action_server_token:
        return "RASA_CHANNEL_TOKEN and ACTION_SERVER_TOKEN are needed (jmd.run makes them up)"
    return None


def child_env(settings: Settings, process: str) -> dict[str, str]:
    """The environment of the child ``process`` (a key of :data:`SECRETS_OF`)."""
    env = {name: value for name, value in os.environ.items() if name not in SECRET_SETTINGS}
    for name in sorted(SECRETS_OF[process]):
        value = getattr(settings, SECRET_SETTINGS[name])
        if value:
            env[name] = value
    env.update(
        JMD_VAR_DIR=str(settings.var_dir),
        DATABASE_URL=settings.database_url,
        ACTION_SERVER_URL=settings.action_server_url,
        ACTION_PORT=str(settings.action_port),
        ACTION_SERVER_INTERFACE=settings.action_server_interface,
        RASA_URL=settings.rasa_url,
        CONSOLE_INTERFACE=settings.console_interface,
        CONSOLE_PORT=str(settings.console_port),
        MODEL_FILE=str(settings.model_file),
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    return env


def private_files(var_dir: Path) -> None:
    """From now on this process and its children create files for their owner only.

    ``var_dir`` is created 0700; one from an older start is tightened, with what is in it
    (database, logs, pseudonym key): they are nobody else's business.
    """
    os.umask(0o077)
    var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for path in (var_dir, *var_dir.rglob("*")):
        info = path.lstat()
        if info.st_uid == os.getuid() and not path.is_symlink():
            path.chmod(info.st_mode & 0o700)
