"""Log hygiene: no bot token, database password, Telegram ID or message text in the logs.

The whole-conversation test runs the real Telegram front (against the Bot API stand-in)
and its own Rasa server and action server on PostgreSQL with a password, every process at
LOG_LEVEL=DEBUG, and reads everything that was logged.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text as sql
from sqlalchemy.engine import make_url

from bot.formatting import to_html
from bot.privacy import DELETE_YES
from jmd.db.engine import make_engine
from jmd.process_env import child_env
from jmd.shared.logging_setup import (
    QUIET_LOGGERS,
    RedactingFilter,
    install_redaction,
    secrets_of,
    setup_logging,
)
from jmd.shared.settings import Settings, load_settings
from jmd.texts import t
from tests.helpers.bot_api import BotApiStandIn
from tests.helpers.domain import response_text
from tests.helpers.stack import patched_environ, running_stack, stack_environment
from tests.test_bot import eventually, front_env, running_front, wait_for_message

TOKEN = BotApiStandIn.token
PASSWORD = "Db-Pa55word-nowhere-in-logs"
PSEUDONYM_KEY = "pseudonym-key-that-stays-secret"
USER = 987654321
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


# -- the redacting filter --------------------------------------------------------------------


def record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("x", logging.ERROR, __file__, 1, message, args or None, exc_info)


def rendered(filter_: logging.Filter, item: logging.LogRecord) -> str:
    filter_.filter(item)
    return logging.Formatter().format(item)


def test_filter_masks_tokens_passwords_secrets_and_ids() -> None:
    redact = RedactingFilter([PASSWORD, PSEUDONYM_KEY])
    line = rendered(redact, record(
        "POST https://api.telegram.org/bot%s/sendMessage chat %d via %s key %s",
        TOKEN, USER, f"postgresql://jmd:{PASSWORD}@db/jmd", PSEUDONYM_KEY,
    ))
    for secret in (TOKEN, PASSWORD, str(USER), PSEUDONYM_KEY):
        assert secret not in line
    assert "<token>" in line and "<id>" in line
    # a password of an unknown URL, a group chat id; ports, counts and times stay readable
    line = rendered(RedactingFilter(), record(
        "postgresql://u:other-pass@h:5432/db chat -1001234567890, 3 rows, port 5055, 0.25 s"
    ))
    assert "other-pass" not in line and "-1001234567890" not in line
    assert "5432" in line and "3 rows" in line and "5055" in line
    # what the operator must set stays readable (a migrated counselor group's new id)
    line = rendered(RedactingFilter(), record("set COUNSELOR_CHAT_ID=-1001234567890, user 7654321"))
    assert "COUNSELOR_CHAT_ID=-1001234567890" in line and "7654321" not in line


def test_filter_masks_secrets_in_tracebacks() -> None:
    try:
        raise ValueError(f"bad url https://api.telegram.org/bot{TOKEN}/getMe")
    except ValueError as error:
        item = record("request failed", exc=error)
    line = rendered(RedactingFilter(), item)
    assert "Traceback" in line and TOKEN not in line


def test_setup_logging_quiets_the_chatty_libraries(logging_restored: None) -> None:
    stream = io.StringIO()
    settings = load_settings()
    setup_logging(settings, stream)
    for name in QUIET_LOGGERS:
        assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
    assert not logging.getLogger("telegram").isEnabledFor(logging.DEBUG)
    logging.getLogger("httpx").warning("HTTP Request: POST https://x/bot%s/getMe", TOKEN)
    assert TOKEN not in stream.getvalue() and "<token>" in stream.getvalue()


def test_install_redaction_covers_handlers_configured_elsewhere(
    logging_restored: None,
) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)  # e.g. Rasa's or sanic's own handler
    logger = logging.getLogger("somewhere.else")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        install_redaction([PASSWORD])
        install_redaction([PASSWORD])  # twice is fine
        logger.error("connect postgresql://jmd:%s@db/jmd as user %d", PASSWORD, USER)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    assert PASSWORD not in stream.getvalue() and str(USER) not in stream.getvalue()


def test_rasa_never_gets_the_bot_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "webhook-secret")
    settings = load_settings()
    assert "TELEGRAM_BOT_TOKEN" not in child_env(settings, "rasa")
    assert "TELEGRAM_WEBHOOK_SECRET" not in child_env(settings, "rasa")
    assert child_env(settings, "telegram")["TELEGRAM_BOT_TOKEN"] == TOKEN


@pytest.fixture
def logging_restored() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    named = {name: logging.getLogger(name).level for name in (*QUIET_LOGGERS, "telegram")}
    factory = logging.getLogRecordFactory()
    logging.setLogRecordFactory(logging.LogRecord)  # nothing redacted before the handlers
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, old in named.items():
            logging.getLogger(name).setLevel(old)
        logging.setLogRecordFactory(factory)


# -- a whole conversation ----------------------------------------------------------------------


@dataclass
class Entry:
    """One log record, as far as a log file or a handler shows it."""

    source: str
    level: str
    text: str

    @property
    def info_or_above(self) -> bool:
        return self.level != "DEBUG"


class RawRecords(logging.Handler):
    """Records as the code and the libraries create them, before any redaction."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.entries: list[Entry] = []

    def emit(self, item: logging.LogRecord) -> None:
        if item.name.startswith("aiohttp"):
            return  # the Bot API stand-in's own server (Telegram's side), not the front
        exc = logging.Formatter().formatException(item.exc_info) if item.exc_info else ""
        self.entries.append(
            Entry(f"front:{item.name}", item.levelname, f"{item.getMessage()}\n{exc}")
        )


_STARTS = re.compile(r"^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}|\[\d{4}-\d{2}-\d{2})")
_LEVEL = re.compile(r"\b(DEBUG|INFO|WARNING|ERROR|CRITICAL)\b|\[(debug|info|warning|error)\s*\]",
                    re.IGNORECASE)


def log_file_entries(path: Path) -> list[Entry]:
    """Records of a subprocess log file; lines without a level count as INFO or above."""
    entries: list[Entry] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if _STARTS.match(line) or not entries:
            found = _LEVEL.search(line[:120])
            level = (found.group(1) or found.group(2)).upper() if found else "UNKNOWN"
            entries.append(Entry(path.name, level, line))
        else:
            entries[-1].text += "\n" + line
    return entries


def with_password(url: str, database: str) -> str:
    return str(make_url(url).set(password=PASSWORD, database=database)
               .render_as_string(hide_password=False))


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    stand_in = BotApiStandIn().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture(scope="module")
def logged_stack(
    model_path: Path, postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """Rasa and the action server on PostgreSQL (password in DATABASE_URL), at DEBUG."""
    engine = make_engine(postgres_url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sql("DROP DATABASE IF EXISTS log_hygiene"))
        connection.execute(sql("CREATE DATABASE log_hygiene"))
    engine.dispose()
    env = stack_environment(
        tmp_path_factory.mktemp("logged-stack"),
        DATABASE_URL=with_password(postgres_url, "log_hygiene"),
        LOG_LEVEL="DEBUG",
        PSEUDONYM_SECRET=PSEUDONYM_KEY,
    )
    with running_stack(model_path, env) as settings:
        yield settings


CONVERSATION = [
    "hallo wie gehts",
    "wie finde ich einen ausbildungsplatz in dessau",
    "ich will nicht mehr leben",
]


@pytest.mark.model
async def test_a_whole_conversation_leaves_no_secrets_ids_or_texts_in_any_log(
    api: BotApiStandIn, logged_stack: Settings, logging_restored: None
) -> None:
    env = front_env(api, logged_stack.var_dir, logged_stack.database_url,
                    logged_stack.rasa_url)
    env.update(LOG_LEVEL="DEBUG", PSEUDONYM_SECRET=PSEUDONYM_KEY)
    output, raw = io.StringIO(), RawRecords()
    with patched_environ(env):
        settings = load_settings()
    setup_logging(settings, output)  # as `python -m bot` does, at DEBUG
    logging.getLogger().handlers.insert(0, raw)
    assert PASSWORD in secrets_of(settings)

    async with running_front(env):
        await conversation(api)

    entries = raw.entries + [
        Entry("front output", level, line)
        for line in output.getvalue().splitlines()
        for level in [next((lv for lv in LEVELS if f" {lv} " in line), "UNKNOWN")]
    ]
    for name in ("rasa.log", "action-server.log"):
        entries += log_file_entries(logged_stack.var_dir / "logs" / name)
    assert any(e.source == "rasa.log" and e.level == "DEBUG" for e in entries), "Rasa at DEBUG"

    tokens = (logged_stack.rasa_channel_token, logged_stack.action_server_token,
              logged_stack.rasa_api_token)  # between the processes
    secrets = [TOKEN, PASSWORD, PSEUDONYM_KEY, *(token for token in tokens if token)]
    assert len(secrets) == 6
    leaks = []
    for entry in entries:
        for secret in secrets:  # never, at any level
            if secret in entry.text:
                leaks.append((entry.source, entry.level, "secret", entry.text[:200]))
        if entry.info_or_above:
            for private in (str(USER), *CONVERSATION):
                if private in entry.text:
                    leaks.append((entry.source, entry.level, private, entry.text[:200]))
    assert leaks == []


async def conversation(api: BotApiStandIn) -> None:
    api.push_command(USER, "/start", "de")
    await wait_for_message(api, USER, to_html(response_text("utter_welcome", "de"), "de"))
    api.push_text(USER, CONVERSATION[0], "de")
    await wait_for_message(api, USER, to_html(response_text("utter_greet", "de"), "de"))
    api.push_text(USER, CONVERSATION[1], "de")
    count = len(api.sent_texts(USER))  # then some FAQ answer or a "Did you mean …?"
    await eventually(lambda: len(api.sent_texts(USER)) > count, "answered the question")
    api.push_text(USER, CONVERSATION[2], "de")
    await wait_for_message(api, USER, to_html(response_text("utter_crisis", "de"), "de"))
    api.push_command(USER, "/privacy", "de")
    await wait_for_message(api, USER, t("privacy", "de").format(days=45))
    api.push_command(USER, "/delete", "de")
    question = await wait_for_message(api, USER, t("delete_confirm", "de"))
    api.push_tap(USER, question, DELETE_YES, "de")
    await wait_for_message(api, USER, t("deleted", "de"))
