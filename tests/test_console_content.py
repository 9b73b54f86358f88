"""The editors' pages: FAQ topics with live checks, and offices/organisations/crisis phrases."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from jmd.accounts.repository import recent_audit
from jmd.content import faq
from jmd.content.editing import read_topic, version
from jmd.db import session_scope
from tests.helpers.console import add_account, console_app, csrf, log_in
from tests.helpers.content_files import changed_lines, files_in, project_copy

pytest_plugins = ["tests.helpers.content_fixtures"]


def _form(client: TestClient, root: Path, topic: str) -> dict[str, str]:
    """The topic form's fields as the browser would send them."""
    form, version = read_topic(files_in(root), topic)
    fields = {"csrf_token": csrf(client, f"/content/topics/{topic}"), "version": version,
              "link": form.link, "buttons": "\n".join(form.buttons), "save": "1"}
    for lang in ("de", "prs", "ar"):
        fields[f"title_{lang}"] = form.title.get(lang, "")
        fields[f"answer_{lang}"] = form.answer.get(lang, "")
        fields[f"examples_{lang}"] = "\r\n".join(form.examples.get(lang, []))
    return fields


def _audit() -> list[tuple[str, str, str]]:
    with session_scope() as session:
        return [(e.username, e.action, e.target) for e in recent_audit(session)]


def test_the_topic_list_links_every_topic(client: TestClient) -> None:
    page = client.get("/content")
    assert page.status_code == 200
    assert 'class="topic" href="/content/topics/study"' in page.text
    assert "Studium in Deutschland" in page.text


def test_the_topic_page_shows_the_languages_side_by_side(client: TestClient) -> None:
    page = client.get("/content/topics/study")
    assert page.status_code == 200
    assert 'id="topic-form"' in page.text
    assert 'name="answer_prs" rows="12" dir="rtl"\n                  lang="fa-AF"' in page.text
    assert 'dir="rtl" lang="ar"' in page.text
    assert 'id="checks" class="problems ok"' in page.text
    assert client.get("/content/topics/nothing_here").status_code == 404
    assert client.get("/content/topics/..%2Fstudy").status_code == 404


def test_an_edited_answer_is_saved_as_one_changed_line_and_audited(
        client: TestClient, root: Path) -> None:
    path = root / "nlu" / "data" / "faq" / "study.yml"
    before = path.read_text(encoding="utf-8")
    fields = _form(client, root, "study")
    fields["answer_de"] = fields["answer_de"].replace("(z. B. Abitur)", "(z. B. Fachabitur)")
    response = client.post("/content/topics/study", data=fields, follow_redirects=False)
    assert response.status_code == 303
    removed, added = changed_lines(before, path.read_text(encoding="utf-8"))
    assert len(removed) == 1 and len(added) == 1 and "(z. B. Fachabitur)" in added[0]
    assert ("eva", "topic.save", "faq/study") in _audit()
    assert "Gespeichert." in client.get(response.headers["location"]).text


def test_a_missing_language_shows_a_problem_and_blocks_saving(
        client: TestClient, root: Path) -> None:
    path = root / "nlu" / "data" / "faq" / "study.yml"
    before = path.read_text(encoding="utf-8")
    fields = _form(client, root, "study")
    fields["answer_prs"] = ""
    response = client.post("/content/topics/study", data=fields)
    assert response.status_code == 422
    assert "<li class=\"problem\">study.yml: answer missing in &#39;prs&#39;</li>" in response.text
    assert 'name="answer_prs"' in response.text  # the editor's input is kept on the page
    assert path.read_text(encoding="utf-8") == before
    assert not any(action == "topic.save" for _, action, _ in _audit())


def test_the_live_check_answers_json(client: TestClient, root: Path) -> None:
    fields = _form(client, root, "study")
    token = fields.pop("csrf_token")
    fields["answer_ar"] = ""
    fields["examples_de"] += "\nstudium kosten bafoeg"
    fields["buttons"] += "\nfaq/nirgendwo"
    answer = client.post("/content/topics/study/check", json=fields,
                         headers={"X-CSRF-Token": token})
    assert answer.status_code == 200
    assert answer.json()["problems"] == ["study.yml: answer missing in 'ar'",
                                         "study.yml: button 'faq/nirgendwo' points nowhere"]
    fine = client.post("/content/topics/study/check", json=_form(client, root, "study"),
                       headers={"X-CSRF-Token": token})
    assert fine.json() == {"problems": []}


def test_posts_without_the_csrf_token_are_refused(client: TestClient, root: Path) -> None:
    fields = _form(client, root, "study")
    assert client.post("/content/topics/study/check", json=fields).status_code == 403
    assert client.post("/content/topics/study/check", json=fields,
                       headers={"X-CSRF-Token": "forged"}).status_code == 403
    del fields["csrf_token"]
    assert client.post("/content/topics/study", data=fields).status_code == 403
    assert client.post("/data/offices", data={"text": "x", "version": ""}).status_code == 403


def test_a_counselor_cannot_edit_content(tmp_path: Path, root: Path) -> None:
    env = project_copy(tmp_path / "other")
    with console_app(f"sqlite:///{tmp_path / 'c.db'}", **env) as client:
        add_account("carl", "counselor")
        log_in(client, "carl")
        for path in ("/content", "/content/topics/study", "/inbox", "/data"):
            assert client.get(path).status_code == 403
        token = csrf(client, "/login")
        assert client.post("/data/offices", data={"csrf_token": token}).status_code == 403
        assert client.post("/content/topics/study/check", json={},
                           headers={"X-CSRF-Token": token}).status_code == 403


def test_a_broken_office_file_is_refused_and_a_good_one_saved(
        client: TestClient, root: Path) -> None:
    path = root / "content" / "offices.yml"
    before = path.read_text(encoding="utf-8")
    page = client.get("/data")
    assert page.status_code == 200 and "crisis_phrases.yml speichern" in page.text
    token = csrf(client, "/data")
    broken = client.post("/data/offices", data={
        "csrf_token": token, "version": version(path),
        "text": before.replace("hours: PLATZHALTER", "hours: {mon: 'Mo 9-12'}", 1)})
    assert broken.status_code == 422
    assert "is not HH:MM-HH:MM" in broken.text and "Mo 9-12" in broken.text
    assert path.read_text(encoding="utf-8") == before
    good = before.replace("name: JMD Köthen", "name: JMD Köthen (Anhalt)", 1)
    saved = client.post("/data/offices", data={"csrf_token": token, "version": version(path),
                                               "text": good}, follow_redirects=False)
    assert saved.status_code == 303
    assert path.read_text(encoding="utf-8") == good
    assert ("eva", "data.save", "offices.yml") in _audit()


def test_a_new_topic_is_created_only_when_it_passes_the_check(
        client: TestClient, root: Path) -> None:
    fields = _form(client, root, "study")
    del fields["version"]
    fields["name"] = "studium_neu"
    for lang in ("de", "prs", "ar"):  # examples of its own, not study's
        fields[f"examples_{lang}"] = "\n".join(
            f"neue frage {number} zum studienplatz" for number in range(15))
    fields["examples_de"] = fields["examples_de"].replace("neue", "deutsche")
    fields["examples_prs"] = fields["examples_prs"].replace("neue", "dari")
    fields["examples_ar"] = fields["examples_ar"].replace("neue", "arabische")
    fields["answer_ar"] = ""
    token = fields["csrf_token"]
    live = client.post("/content/new/check", json=fields, headers={"X-CSRF-Token": token})
    assert live.json()["problems"] == [
        "studium_neu.yml: answer missing in 'ar'",
        "studium_neu.yml: 'sources:' missing (each fact with claim and url)"]
    path = root / "nlu" / "data" / "faq" / "studium_neu.yml"
    assert client.post("/content/new", data=fields).status_code == 422
    assert not path.exists()
    fields["answer_ar"] = "جواب قصير عن الجامعة."
    fields["sources"] = "Hochschulzugang | https://www.study-in-germany.de/de/"
    created = client.post("/content/new", data=fields, follow_redirects=False)
    assert created.status_code == 303
    assert created.headers["location"] == "/content/topics/studium_neu?saved=1"
    assert faq.check(path.parent, root / "content" / "glossary.yml") == []
    assert "  - claim: Hochschulzugang\n    url: https://www.study-in-germany.de/de/" in (
        path.read_text(encoding="utf-8"))
    assert ("eva", "topic.create", "faq/studium_neu") in _audit()
    again = client.post("/content/new", data=fields)
    assert again.status_code == 422 and "gibt es schon" in again.text
