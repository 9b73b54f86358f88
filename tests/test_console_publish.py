"""The console's "train and publish" page: the button, its state, the figures, the audit.

With a fake ``rasa`` and a fake Rasa HTTP API (tests/helpers/publish.py); the job's own
cases are in tests/test_publish.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from jmd.accounts.repository import recent_audit
from jmd.db import session_scope
from jmd.publish import Publisher
from tests.helpers.console import add_account, console_app, csrf, log_in
from tests.helpers.publish import NEW_MODEL, FakeRasaApi, add_example, publish_environment


@pytest.fixture
def rasa() -> Iterator[FakeRasaApi]:
    with FakeRasaApi().running() as server:
        yield server


@pytest.fixture
def client(tmp_path: Path, rasa: FakeRasaApi) -> Iterator[TestClient]:
    env = publish_environment(tmp_path, rasa)
    with console_app(f"sqlite:///{tmp_path / 'console.db'}", **env) as client:
        add_account("eva", "editor")
        add_account("carl", "counselor")
        yield client


def publisher(client: TestClient) -> Publisher:
    found: Publisher = client.app.state.publisher  # type: ignore[attr-defined]
    return found


def test_the_page_has_the_button_the_state_and_the_figures(client: TestClient) -> None:
    log_in(client, "eva")
    page = client.get("/publish")
    assert page.status_code == 200
    html = page.text
    for element in ('id="train"', 'id="publish-state"', 'id="publish-progress"',
                    'id="figures"', 'action="/publish/train"', 'src="/static/publish.js"'):
        assert element in html
    # before any run: the figures of the model in use, stored when it was published
    assert ('<tr data-language="de"><td>de</td><td class="old">0.900</td>'
            '<td class="new">–</td>') in html
    assert "Schnellmessung" in html, "the page says what the figures are"


def test_a_counselor_cannot_publish(client: TestClient) -> None:
    log_in(client, "carl")
    assert client.get("/publish").status_code == 403
    assert client.get("/publish/status").status_code == 403
    token = csrf(client, "/dashboard")
    assert client.post("/publish/train", data={"csrf_token": token}).status_code == 403


def test_training_needs_the_csrf_token(client: TestClient) -> None:
    log_in(client, "eva")
    assert client.post("/publish/train", data={}).status_code == 403
    assert not hasattr(client.app.state, "publisher")  # type: ignore[attr-defined]


def test_train_and_publish_from_the_button(client: TestClient, rasa: FakeRasaApi,
                                           tmp_path: Path) -> None:
    log_in(client, "eva")
    add_example(tmp_path / "nlu" / "data" / "faq", example="درس در پوهنتون چطور است")
    rasa.learnt = {"درس در پوهنتون چطور است": "faq/study"}
    response = client.post("/publish/train", data={"csrf_token": csrf(client, "/publish")},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/publish"
    publisher(client).wait()
    status = client.get("/publish/status").json()
    assert status["state"] == "done" and "veröffentlicht" in status["label"]
    assert [row[0] for row in status["rows"]] == ["de", "prs", "ar", "overall"]
    assert status["rows"][0][1:] == ["0.900", "0.910", "+0.010"]
    page = client.get("/publish").text
    assert "veröffentlicht" in page and 'class="state-done"' in page
    assert ("Neue Beispiele seit dem bisherigen Modell: 1. Richtig erkannt: bisheriges Modell"
            " 0 von 1, neues Modell 1 von 1.") in page
    assert len(rasa.loads) == 1 and rasa.loads[0][1] == NEW_MODEL
    with session_scope() as session:
        actions = [entry.action for entry in recent_audit(session)]
    assert "publish.train" in actions and "publish.done" in actions


def test_a_second_press_while_it_runs_says_so(client: TestClient, tmp_path: Path) -> None:
    log_in(client, "eva")
    add_example(tmp_path / "nlu" / "data" / "faq")
    hold = tmp_path / "bin" / "hold"
    hold.touch()
    token = csrf(client, "/publish")
    client.post("/publish/train", data={"csrf_token": token})
    try:
        second = client.post("/publish/train", data={"csrf_token": token},
                             follow_redirects=False)
        assert second.headers["location"] == "/publish?running=1"
        page = client.get(second.headers["location"]).text
        assert "läuft schon" in page and "läuft:" in page
        assert client.get("/publish/status").json()["state"] == "running"
    finally:
        hold.unlink()
        publisher(client).wait()
    assert client.get("/publish/status").json()["state"] == "done"


def test_a_failure_is_shown_with_its_reason(client: TestClient, rasa: FakeRasaApi,
                                            tmp_path: Path) -> None:
    log_in(client, "eva")
    add_example(tmp_path / "nlu" / "data" / "faq")
    rasa.status = 500
    client.post("/publish/train", data={"csrf_token": csrf(client, "/publish")})
    publisher(client).wait()
    page = client.get("/publish").text
    assert "fehlgeschlagen" in page and "HTTP 500" in page
    with session_scope() as session:
        assert "publish.failed" in [entry.action for entry in recent_audit(session)]
