"""Configuration, read from the environment in one place.

Every process (Rasa server, action server, Telegram front, launcher) reads the same
variables through :func:`get_settings`, so a deployment is configured once.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
OFFICIAL_BOT_API = "https://api.telegram.org/bot"


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(value: str | None, default: int) -> int:
    return int(value) if value not in (None, "") else default


def _float(value: str | None, default: float) -> float:
    return float(value) if value not in (None, "") else default


def _ids(value: str | None) -> frozenset[int]:
    """Comma- or space-separated Telegram user IDs."""
    return frozenset(int(part) for part in re.split(r"[,\s]+", value or "") if part)


@dataclass(frozen=True)
class Settings:
    """All runtime configuration of the assistant."""

    var_dir: Path
    database_url: str
    telegram_bot_token: str | None
    telegram_api_base_url: str
    telegram_webhook_url: str | None
    telegram_webhook_secret: str | None
    telegram_webhook_port: int
    telegram_webhook_listen: str  # the webhook server's address (a reverse proxy in front)
    counselor_chat_id: int | None
    rasa_url: str
    rasa_port: int
    action_server_url: str
    action_port: int
    # Locked-down processes (README, "Production and security"): where the Rasa server and
    # the action server listen, and the shared tokens between the processes. The launcher
    # makes up the tokens that are not set, per start (jmd/process_env.py).
    rasa_interface: str
    action_server_interface: str
    rasa_channel_token: str | None  # front/terminal -> Rasa's jmd channel
    action_server_token: str | None  # Rasa -> action server
    rasa_enable_api: bool  # Rasa's HTTP API (off by default; needs rasa_api_token)
    rasa_api_token: str | None
    seed_demo_data: bool
    retention_days: int
    log_level: str
    # The Telegram front's pace and patience (see README, "Configuration").
    telegram_chat_interval: float
    telegram_send_retries: int
    burst_notice: int
    pending_retry_seconds: float
    pending_max_age_minutes: int
    # A stored update whose handling was started this often (crashes) is given up.
    inbound_max_attempts: int
    # Counselors (see README, "Handoff to a counselor"): Telegram user IDs allowed besides
    # those in the counselors table.
    counselor_telegram_ids: frozenset[int]
    handoff_timeout_minutes: int
    handoff_check_seconds: float
    offices_file: Path
    # where the action server reads the FAQ answers (read again after every save)
    faq_dir: Path
    reminder_hours_before: float  # second reminder this many hours before; 0: none
    # the `rasa` command of the Rasa server's own environment (Python 3.10)
    rasa_bin: Path
    # A counselor's chat with a person closes after this long without a message (minutes).
    handoff_idle_minutes: int = 60
    # Messages the front sends into the counselor group per minute (Telegram: about 20).
    counselor_group_per_minute: int = 20
    # Rasa's lock store (jmd/nlu/lock_store.py): shared by several Rasa servers; None: memory
    redis_url: str | None = None
    # A volunteer interpreter request nobody answered or accepted ends after this (minutes).
    interpreter_timeout_minutes: int = 30
    # The web console (console/, README "Web console"): where it listens, how long a login
    # lasts without a request, and whether its cookie is HTTPS-only (behind a TLS proxy).
    console_interface: str = "127.0.0.1"
    console_port: int = 5080
    console_session_minutes: int = 60
    console_cookie_secure: bool = False
    # The model `make run` starts (and the console's "train and publish" replaces); beside
    # it the fingerprint of its inputs (.training-inputs) and its figures (jmd.figures.json).
    model_file: Path = PROJECT_ROOT / "models" / "jmd.tar.gz"

    @property
    def rasa_urls(self) -> list[str]:
        """Every Rasa server of ``rasa_url`` (a comma-separated list when scaled out)."""
        return [url.strip().rstrip("/") for url in self.rasa_url.split(",") if url.strip()]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @cached_property
    def pseudonym_secret(self) -> str:
        """Read (or generated) on first use: only the Telegram front needs it."""
        return _pseudonym_secret(self.var_dir)


def _pseudonym_secret(var_dir: Path) -> str:
    """The key that turns Telegram IDs into pseudonyms; generated once if not configured."""
    configured = os.environ.get("PSEUDONYM_SECRET")
    if configured:
        return configured
    key_file = var_dir / "pseudonym.key"
    if key_file.exists():
        return key_file.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Written with owner-only permissions: the key re-identifies pseudonyms.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def load_settings() -> Settings:
    """Build settings from the current environment (no caching)."""
    env = os.environ
    var_dir = Path(env.get("JMD_VAR_DIR") or PROJECT_ROOT / "var").resolve()
    rasa_port = _int(env.get("RASA_PORT"), 5005)
    action_port = _int(env.get("ACTION_PORT"), 5055)
    counselor = env.get("COUNSELOR_CHAT_ID")
    return Settings(
        var_dir=var_dir,
        database_url=env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'jmd.db'}",
        telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN") or None,
        telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL") or OFFICIAL_BOT_API,
        telegram_webhook_url=env.get("TELEGRAM_WEBHOOK_URL") or None,
        telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None,
        telegram_webhook_port=_int(env.get("TELEGRAM_WEBHOOK_PORT"), 8443),
        telegram_webhook_listen=env.get("TELEGRAM_WEBHOOK_LISTEN") or "127.0.0.1",
        counselor_chat_id=int(counselor) if counselor else None,
        rasa_url=(env.get("RASA_URL") or f"http://127.0.0.1:{rasa_port}").rstrip("/"),
        rasa_port=rasa_port,
        action_server_url=env.get("ACTION_SERVER_URL")
        or f"http://127.0.0.1:{action_port}/webhook",
        action_port=action_port,
        rasa_interface=env.get("RASA_INTERFACE") or "127.0.0.1",
        action_server_interface=env.get("ACTION_SERVER_INTERFACE") or "127.0.0.1",
        rasa_channel_token=env.get("RASA_CHANNEL_TOKEN") or None,
        action_server_token=env.get("ACTION_SERVER_TOKEN") or None,
        rasa_enable_api=_flag(env.get("RASA_ENABLE_API"), False),
        rasa_api_token=env.get("RASA_API_TOKEN") or None,
        seed_demo_data=_flag(env.get("SEED_DEMO_DATA"), True),
        retention_days=_int(env.get("RETENTION_DAYS"), 90),
        log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
        telegram_chat_interval=_float(env.get("TELEGRAM_CHAT_INTERVAL"), 1.0),
        telegram_send_retries=_int(env.get("TELEGRAM_SEND_RETRIES"), 3),
        burst_notice=_int(env.get("BURST_NOTICE"), 3),
        pending_retry_seconds=_float(env.get("PENDING_RETRY_SECONDS"), 30.0),
        pending_max_age_minutes=_int(env.get("PENDING_MAX_AGE_MINUTES"), 60),
        inbound_max_attempts=_int(env.get("INBOUND_MAX_ATTEMPTS"), 3),
        counselor_telegram_ids=_ids(env.get("COUNSELOR_TELEGRAM_IDS")),
        handoff_timeout_minutes=_int(env.get("HANDOFF_TIMEOUT_MINUTES"), 15),
        handoff_check_seconds=_float(env.get("HANDOFF_CHECK_SECONDS"), 30.0),
        offices_file=Path(env.get("OFFICES_FILE") or PROJECT_ROOT / "content" / "offices.yml"),
        faq_dir=Path(env.get("FAQ_DIR") or PROJECT_ROOT / "nlu" / "data" / "faq"),
        reminder_hours_before=_float(env.get("REMINDER_HOURS_BEFORE"), 2.0),
        rasa_bin=Path(env.get("RASA_BIN") or PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"),
        handoff_idle_minutes=_int(env.get("HANDOFF_IDLE_MINUTES"), 60),
        counselor_group_per_minute=_int(env.get("COUNSELOR_GROUP_PER_MINUTE"), 20),
        redis_url=env.get("REDIS_URL") or None,
        interpreter_timeout_minutes=_int(env.get("INTERPRETER_TIMEOUT_MINUTES"), 30),
        console_interface=env.get("CONSOLE_INTERFACE") or "127.0.0.1",
        console_port=_int(env.get("CONSOLE_PORT"), 5080),
        console_session_minutes=_int(env.get("CONSOLE_SESSION_MINUTES"), 60),
        console_cookie_secure=_flag(env.get("CONSOLE_COOKIE_SECURE"), False),
        model_file=Path(env.get("MODEL_FILE") or PROJECT_ROOT / "models" / "jmd.tar.gz").resolve(),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once."""
    return load_settings()
