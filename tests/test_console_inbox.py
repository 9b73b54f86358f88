"""The inbox: unanswered and 👎 questions become examples of a topic or intent, or go away."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

from starlette.testclient import TestClient

from jmd import clock
from jmd.accounts.repository import recent_audit
from jmd.content.unanswered import export
from jmd.db import session_scope
from jmd.db.feedback import HELPFUL, NOT_HELPFUL, UNANSWERED, record
from jmd.db.models import Feedback
from tests.helpers.console import csrf
from tests.helpers.content_files import changed_lines

pytest_plugins = ["tests.helpers.content_fixtures"]

DARI = "سلام، پوهنتون هاله برای مهاجرین چطور است"


def _questions() -> dict[str, int]:
    """Three questions at different times; their ids by language."""
    ids = {}
    start = clock.now()
    for minutes, kind, language, topic, text in (
            (0, NOT_HELPFUL, "de", "bafoeg", "bekomme ich bafög als azubi"),
            (1, HELPFUL, "de", "study", None),
            (2, UNANSWERED, "prs", "study", DARI),
            (3, UNANSWERED, "ar", None, "وين بلاقي مكتب العمل")):
        with clock.frozen(start + timedelta(minutes=minutes)), session_scope() as session:
            row = record(session, kind, language=language, topic=topic, text=text,
                         person_key="p1")
            if text:
                ids[language] = row.id
    return ids


def _audit() -> list[tuple[str, str, str, str]]:
    with session_scope() as session:
        return [(e.username, e.action, e.target, e.detail) for e in recent_audit(session)]


def test_the_inbox_lists_open_questions_newest_first(client: TestClient) -> None:
    ids = _questions()
    page = client.get("/inbox").text
    items = re.findall(r'<li class="inbox-item" id="q(\d+)">', page)
    assert items == [str(ids["ar"]), str(ids["prs"]), str(ids["de"])]
    assert f'dir="rtl" lang="fa-AF">{DARI}</p>' in page
    assert '<option value="faq/study" selected>' in page  # the guessed topic
    assert '<option value="stop_booking">' in page  # intents of the NLU files
    assert 'button type="submit" name="action" value="dismiss"' in page


def test_an_editor_adds_a_dari_question_to_a_topic(client: TestClient, root: Path) -> None:
    ids = _questions()
    path = root / "nlu" / "data" / "faq" / "study.yml"
    before = path.read_text(encoding="utf-8")
    edited = "پوهنتون هاله برای مهاجرین چطور است"
    response = client.post(f"/inbox/{ids['prs']}", data={
        "csrf_token": csrf(client, "/inbox"), "target": "faq/study", "language": "prs",
        "text": edited, "action": "add"}, follow_redirects=False)
    assert response.status_code == 303
    removed, added = changed_lines(before, path.read_text(encoding="utf-8"))
    assert removed == [] and added == [f"    - {edited}"]
    page = client.get(response.headers["location"]).text
    assert f'id="q{ids["prs"]}"' not in page and "Als Beispiel hinzugefügt" in page
    assert ("eva", "inbox.add", "faq/study (prs)", f"feedback {ids['prs']}") in _audit()
    assert not any(DARI in str(entry) or edited in str(entry) for entry in _audit())
    with session_scope() as session:
        row = session.get(Feedback, ids["prs"])
        assert row is not None and row.handled_as == "faq/study"
    out = io.StringIO()
    assert export(out) == 2  # the export lists the open questions only
    assert DARI not in out.getvalue()


def test_an_example_already_in_another_topic_is_refused(client: TestClient, root: Path) -> None:
    ids = _questions()
    path = root / "nlu" / "data" / "faq" / "bafoeg.yml"
    before = path.read_text(encoding="utf-8")
    response = client.post(f"/inbox/{ids['de']}", data={
        "csrf_token": csrf(client, "/inbox"), "target": "faq/bafoeg", "language": "de",
        "text": "studium kosten", "action": "add"})
    assert response.status_code == 422
    assert "„studium kosten“ steht schon in Thema &#39;study&#39;" in response.text
    assert f'id="q{ids["de"]}"' in response.text  # still open
    assert path.read_text(encoding="utf-8") == before


def test_an_intent_example_goes_into_the_nlu_file(client: TestClient, root: Path) -> None:
    ids = _questions()
    path = root / "nlu" / "data" / "nlu" / "ar.yml"
    before = path.read_text(encoding="utf-8")
    response = client.post(f"/inbox/{ids['ar']}", data={
        "csrf_token": csrf(client, "/inbox"), "target": "human_handoff", "language": "ar",
        "text": "بدي احكي مع موظف بمكتب العمل", "action": "add"}, follow_redirects=False)
    assert response.status_code == 303
    assert changed_lines(before, path.read_text(encoding="utf-8"))[1] == [
        "    - بدي احكي مع موظف بمكتب العمل"]
    assert ("eva", "inbox.add", "human_handoff (ar)", f"feedback {ids['ar']}") in _audit()


def test_a_question_can_be_dismissed_once(client: TestClient) -> None:
    ids = _questions()
    token = csrf(client, "/inbox")
    response = client.post(f"/inbox/{ids['de']}", data={"csrf_token": token,
                                                          "action": "dismiss"})
    assert response.status_code == 200 and "Aus dem Eingang entfernt" in response.text
    assert f'id="q{ids["de"]}"' not in response.text
    assert ("eva", "inbox.dismiss", f"feedback {ids['de']}", "") in _audit()
    again = client.post(f"/inbox/{ids['de']}", data={"csrf_token": token, "action": "dismiss"})
    assert again.status_code == 404


def test_inbox_posts_need_the_csrf_token(client: TestClient) -> None:
    ids = _questions()
    response = client.post(f"/inbox/{ids['de']}", data={"action": "dismiss"})
    assert response.status_code == 403
    assert f'id="q{ids["de"]}"' in client.get("/inbox").text
