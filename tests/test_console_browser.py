"""The web console in a real headless browser (Debian's Chromium): issue 19's "Done when".

The login, CSRF and role tests drive a console of their own (its own database and copy of
the content files); the two flows drive the whole assistant — action server, Rasa, the
Telegram front against the Bot API stand-in, and the console, on one database and one copy
of the files (tests/helpers/console_stack.py). Screens of the main pages are written to
reports/screens/ (not committed).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import pytest

from bot.formatting import RLM
from console.web import SESSION_COOKIE
from jmd import clock
from jmd.db import session_scope
from jmd.db.feedback import UNANSWERED, record
from jmd.identity import display_name, pseudonym
from jmd.shared.settings import PROJECT_ROOT
from tests.helpers.booking import add_counselor
from tests.helpers.bot_api import BotApiStandIn, Call
from tests.helpers.browser import csrf_token, log_in, log_out, needs_chromium, screenshot
from tests.helpers.console import PASSWORD
from tests.helpers.console_stack import (
    Assistant,
    Console,
    console_environment,
    running_assistant,
    running_console,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = needs_chromium

EDITOR, COUNSELOR, STRANGER = "eva", "carl", "falk"
SECRET = "test-secret"  # the stacks' PSEUDONYM_SECRET
# a topic every model knows well; the edit puts a new first line before its German answer
TOPIC = "language_course"
NEW_LINE = "Neu geprüft von der JMD-Redaktion ✅"


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """A console of its own with an editor, a counselor (of Zerbst) and one more editor."""
    with running_console(console_environment(tmp_path_factory.mktemp("console"))) as running:
        engine = running.engine()
        counselor = add_counselor(engine, "Herr Carl", "zerbst", "de,prs")
        engine.dispose()
        running.add_account(EDITOR, "editor")
        running.add_account(COUNSELOR, "counselor", counselor)
        running.add_account(STRANGER, "editor")
        yield running


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


# -- logging in and out ------------------------------------------------------------------------


def test_an_editor_logs_in_and_sees_the_editors_pages_only(console: Console, page: Page) -> None:
    page.goto(f"{console.url}/")
    assert path_of(page) == "/login", "without a session every page leads to the login"
    screenshot(page, "login")
    log_in(page, console.url, EDITOR, PASSWORD)
    assert path_of(page) != "/login"
    assert page.inner_text("header .who") == f"{EDITOR} (editor)"
    links = page.eval_on_selector_all("header nav a", "links => links.map(a => a.pathname)")
    assert {"/content", "/inbox", "/publish"} <= set(links)
    assert not {"/calendar", "/slots", "/admin/accounts"} & set(links), "no bookings for editors"
    screenshot(page, "start-editor")


def test_a_wrong_password_is_refused(console: Console, page: Page) -> None:
    status = log_in(page, console.url, STRANGER, "falsch-falsch-1")
    assert status == 401
    assert path_of(page) == "/login"
    assert "stimmt nicht" in page.inner_text("p.error[role=alert]")
    assert page.locator("form.logout").count() == 0, "not logged in"
    assert SESSION_COOKIE not in {c["name"] for c in page.context.cookies()}
    screenshot(page, "login-refused")


def test_a_post_without_the_csrf_token_is_refused(console: Console, page: Page) -> None:
    # the login form itself: without the token of the form the browser was given
    response = page.request.post(f"{console.url}/login", max_redirects=0,
                                 form={"username": EDITOR, "password": PASSWORD})
    assert response.status == 403
    log_in(page, console.url, EDITOR, PASSWORD)
    token = csrf_token(page)
    # with the session cookie (the browser's own request context), but no or a forged token
    forms: list[dict[str, str | float | bool]] = [{}, {"csrf_token": "forged"}]
    for form in forms:
        response = page.request.post(f"{console.url}/logout", form=form, max_redirects=0)
        assert response.status == 403, form
        assert "CSRF" in response.text()
    page.reload()
    assert page.locator("form.logout").count() == 1, "still logged in: nothing was done"
    response = page.request.post(f"{console.url}/logout", form={"csrf_token": token},
                                 max_redirects=0)
    assert response.status == 303 and response.headers["location"] == "/login"


def test_logging_out_ends_the_session_on_the_server(console: Console, browser: Browser,
                                                    page: Page) -> None:
    log_in(page, console.url, COUNSELOR, PASSWORD)
    cookies = page.context.cookies()
    log_out(page)
    assert path_of(page) == "/login"
    page.goto(f"{console.url}/")
    assert path_of(page) == "/login"
    # the old cookie, replayed from elsewhere, is worth nothing now
    other = browser.new_context()
    try:
        other.add_cookies(cookies)  # type: ignore[arg-type]  # a Cookie is what it sets
        replay = other.new_page()
        replay.goto(f"{console.url}/")
        assert path_of(replay) == "/login"
    finally:
        other.close()


# -- roles -----------------------------------------------------------------------------------


def test_a_counselor_cannot_edit_content(console: Console, page: Page) -> None:
    log_in(page, console.url, COUNSELOR, PASSWORD)
    token = csrf_token(page)
    topic = console.faq_dir / f"{TOPIC}.yml"
    before = topic.read_bytes()
    response = page.goto(f"{console.url}/content")
    assert response is not None and response.status == 403
    assert "nicht freigegeben" in page.inner_text("p.error[role=alert]")
    screenshot(page, "forbidden-counselor-content")
    response = page.goto(f"{console.url}/content/topics/{TOPIC}")
    assert response is not None and response.status == 403
    posted = page.request.post(f"{console.url}/content/topics/{TOPIC}", max_redirects=0,
                               form={"csrf_token": token, "answer_de": "geändert"})
    assert posted.status == 403
    assert topic.read_bytes() == before


def test_an_editor_cannot_see_bookings(console: Console, page: Page) -> None:
    log_in(page, console.url, EDITOR, PASSWORD)
    token = csrf_token(page)
    for path in ("/calendar", "/slots"):
        response = page.goto(f"{console.url}{path}")
        assert response is not None and response.status == 403, path
        assert "nicht freigegeben" in page.inner_text("p.error[role=alert]")
        assert page.locator(".booking").count() == 0
    screenshot(page, "forbidden-editor-calendar")
    posted = page.request.post(f"{console.url}/bookings/X1/no-show", max_redirects=0,
                               form={"csrf_token": token})
    assert posted.status == 403


# -- the whole assistant ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def assistant(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """The whole assistant on one database and one copy of the files (a ``model`` test)."""
    with running_assistant(model_path, tmp_path_factory.mktemp("assistant")) as running:
        yield running


def answers_to(api: BotApiStandIn, user: int, question: str, language: str,
               expected: str) -> str:
    """Asks ``question`` as Telegram user ``user``; the first answer containing ``expected``."""
    api.push_text(user, question, language)
    return str(api.wait_for(lambda: next(
        (text for text in api.sent_texts(user) if expected in text), None), timeout=120))


@pytest.mark.model
@pytest.mark.publish
def test_the_console_and_the_assistant_share_one_copy_of_the_files(
    assistant: Assistant, page: Page
) -> None:
    """The harness itself: what is saved in the console's files is what the running
    assistant answers (the action server reads answers live), and no project file changes."""
    console = assistant.console
    topic = console.faq_dir / f"{TOPIC}.yml"
    original = (PROJECT_ROOT / "nlu" / "data" / "faq" / f"{TOPIC}.yml").read_bytes()
    assert topic.read_bytes() == original and not topic.is_relative_to(PROJECT_ROOT)
    console.add_account("harness", "editor")
    log_in(page, console.url, "harness", PASSWORD)
    assert page.inner_text("header .who") == "harness (editor)"
    text = topic.read_text(encoding="utf-8")
    # an answer changed as a save does: no training needed (README "Edits without training")
    edited = text.replace("  de: |-\n", f"  de: |-\n    {NEW_LINE}\n", 1)
    assert edited != text
    topic.write_text(edited, encoding="utf-8")
    try:
        answer = answers_to(assistant.api, 9101, "Wo kann ich einen Deutschkurs machen?", "de",
                            NEW_LINE)
    finally:
        topic.write_text(text, encoding="utf-8")
    assert answer.startswith(NEW_LINE)
    assert (PROJECT_ROOT / "nlu" / "data" / "faq" / f"{TOPIC}.yml").read_bytes() == original
    assert assistant.api.refused() == []


def model_id(assistant: Assistant) -> str:
    """The fingerprint of the model the Rasa server runs (Rasa's HTTP API)."""
    response = httpx.get(f"{assistant.settings.rasa_url}/status", timeout=30,
                         params={"token": assistant.settings.rasa_api_token or ""})
    response.raise_for_status()
    return str(response.json()["model_id"])


PUBLISHING = ("() => /veröffentlicht|fehlgeschlagen/.test("
              "document.querySelector('#publish-state')?.textContent || '')")


def wait_for_publishing(page: Page, console: Console, before: str) -> str:
    """The text of ``#publish-state`` once it shows the end of a new run (training takes
    minutes): the page shows progress itself; it is also read again now and then."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(120):  # at most about 30 minutes (a busy 2-core machine)
        try:
            page.wait_for_function(PUBLISHING, timeout=15_000)
        except PlaywrightTimeout:
            page.goto(f"{console.url}/publish")
            continue
        state = page.inner_text("#publish-state")
        if state != before:
            return state
        page.goto(f"{console.url}/publish")
    raise AssertionError("train and publish did not finish")


@pytest.mark.model
@pytest.mark.publish
def test_editor_publishes_and_the_bot_answers(assistant: Assistant, page: Page) -> None:
    console, api = assistant.console, assistant.api
    console.add_account("redaktion", "editor")
    # a Dari question the assistant did not understand, waiting in the inbox
    question = "کورس زبان آلمانی را از کجا پیدا کرده میتوانم"
    engine = console.engine()
    with session_scope(engine) as session:
        record(session, UNANSWERED, language="prs", text=question)
    engine.dispose()
    topic_file = console.faq_dir / f"{TOPIC}.yml"
    old_model = model_id(assistant)

    log_in(page, console.url, "redaktion", PASSWORD)
    page.goto(f"{console.url}/content")
    screenshot(page, "content")
    with page.expect_navigation():
        page.click(f"a.topic[href='/content/topics/{TOPIC}']")
    form = page.locator("#topic-form")
    assert form.locator("[name=answer_prs]").get_attribute("dir") == "rtl"
    # the German answer changes
    answer_de = form.locator("[name=answer_de]")
    answer_de.fill(f"{NEW_LINE}\n{answer_de.input_value()}")
    # a missing language: the live check shows a problem, and the form is not saved with it
    answer_prs = form.locator("[name=answer_prs]")
    dari = answer_prs.input_value()
    answer_prs.fill("")
    page.locator("#checks li.problem").first.wait_for()
    screenshot(page, "content-topic-problem")
    answer_prs.fill(dari)
    page.locator("#checks.ok").wait_for()
    assert page.locator("#checks li.problem").count() == 0
    with page.expect_navigation() as saved:
        form.locator("button[name=save]").click()
    assert saved.value is not None and saved.value.status < 400
    screenshot(page, "content-topic")
    assert NEW_LINE in topic_file.read_text(encoding="utf-8")
    assert NEW_LINE not in (PROJECT_ROOT / "nlu/data/faq" / topic_file.name).read_text(
        encoding="utf-8"), "the project's own file is never touched"

    # the inbox: the Dari question becomes an example of the topic
    page.goto(f"{console.url}/inbox")
    item = page.locator("li.inbox-item", has_text=question)
    item.locator("select[name=target]").select_option(f"faq/{TOPIC}")
    item.locator("select[name=language]").select_option("prs")
    assert item.locator("input[name=text]").input_value() == question
    screenshot(page, "inbox")
    with page.expect_navigation():
        item.locator("button[name=action][value=add]").click()
    assert page.locator("li.inbox-item", has_text=question).count() == 0, "handled"
    assert question in topic_file.read_text(encoding="utf-8")

    # train and publish
    page.goto(f"{console.url}/publish")
    before = page.inner_text("#publish-state")
    with page.expect_navigation():
        page.click("button#train")
    state = wait_for_publishing(page, console, before)
    screenshot(page, "publish")
    assert "veröffentlicht" in state and "fehlgeschlagen" not in state, state
    assert page.locator("#figures tr").count() >= 2, "old and new figures side by side"
    assert model_id(assistant) != old_model, "the Rasa server runs the new model"

    # the running assistant gives the new answer through Telegram (the stand-in)
    answer = answers_to(api, 9102, "ich will einen deutschkurs machen", "de", NEW_LINE)
    assert answer.startswith(NEW_LINE)
    # and the new Dari example is understood: the topic's Dari answer
    dari_first = dari.splitlines()[0]
    answer = answers_to(api, 9103, question, "prs", dari_first)
    assert answer.lstrip(RLM).startswith(dari_first)  # the front's right-to-left mark first
    assert api.refused() == []

    page.goto(f"{console.url}/dashboard")
    assert page.locator("svg.chart").count() >= 1
    screenshot(page, "dashboard")


def buttons(call: Call) -> list[str]:
    markup: Any = call.params.get("reply_markup") or {"inline_keyboard": []}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [b["callback_data"] for row in markup["inline_keyboard"] for b in row]


def book_through_telegram(api: BotApiStandIn, user: int) -> None:
    """The booking dialogue (tests/test_bot_booking.py): the age band first, then office,
    mode, day and time as they are asked — each time the first real choice — and yes."""
    api.push_text(user, "Ich möchte einen Termin in Zerbst morgen", "de")
    seen: set[int] = set()
    for _ in range(8):
        def newest() -> Call | None:
            calls = [c for c in api.sent_messages(user) if buttons(c) and id(c) not in seen]
            return calls[-1] if calls else None

        last: Call = api.wait_for(newest, timeout=120)
        seen.add(id(last))
        data = buttons(last)
        choice = next((d for d in data if d.startswith(("/confirm_booking", "/choose_slot"))),
                      None) or next(d for d in data if d.startswith("/inform")
                                    and '"any"' not in d)
        api.push_tap(user, last, choice, "de")
        if choice.startswith("/confirm_booking"):
            return
    raise AssertionError("the booking dialogue did not reach its confirmation")


@pytest.mark.model
@pytest.mark.publish
def test_counselor_free_time_then_booking_shows_in_calendar(assistant: Assistant,
                                                            page: Page) -> None:
    console, api = assistant.console, assistant.api
    engine = console.engine()
    counselor = add_counselor(engine, "Frau Konsole", "zerbst", "de,ar,prs")
    engine.dispose()
    console.add_account("beratung", "counselor", counselor)
    tomorrow = clock.local(clock.now()).date() + timedelta(days=1)

    log_in(page, console.url, "beratung", PASSWORD)
    page.goto(f"{console.url}/slots")
    form = page.locator("#slot-form")
    form.locator("[name=date]").fill(tomorrow.isoformat())
    form.locator("[name=start]").fill("16:00")
    form.locator("[name=end]").fill("16:45")
    form.locator("[name=mode]").select_option("in_person")
    form.locator("[name=repeat_weeks]").fill("0")
    with page.expect_navigation():
        form.locator("button[name=add]").click()
    assert page.locator("li.slot, tr.slot").count() == 1
    screenshot(page, "slots")

    user = 9201
    book_through_telegram(api, user)
    api.wait_for(lambda: api.calls_of("sendDocument"), timeout=120)  # the .ics: booked

    year, week, _ = tomorrow.isocalendar()
    page.goto(f"{console.url}/calendar?week={year}-W{week:02d}")
    booking = page.locator(".booking")
    assert booking.count() == 1
    text = booking.inner_text()
    assert "16:00" in text and "Frau Konsole" in text
    assert display_name(pseudonym(user, SECRET)) in text and str(user) not in text
    screenshot(page, "calendar")
