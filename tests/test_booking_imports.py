"""Importing counselors' free times: CSV and iCalendar, bad lines reported with numbers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from jmd.booking.imports import import_file, main, parse_csv, parse_ics
from jmd.db import make_engine, session_scope
from jmd.db.models import Counselor, Slot

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

GOOD_CSV = """counselor,office,languages,date,start,end,mode,telegram_id
Frau Beispiel,zerbst,"de,ar",01.12.2026,09:00,09:45,in_person,5551234
Frau Beispiel,zerbst,"de,ar",2026-12-01,10:00,10:45,Telefon,
Herr Muster,bitterfeld-wolfen,de;prs,02.12.2026,14:00,14:45,video,
"""


def test_csv_is_read() -> None:
    result = parse_csv(GOOD_CSV, NOW)
    assert result.errors == []
    assert [(s.line, s.mode, s.languages) for s in result.slots] == [
        (2, "in_person", "de,ar"), (3, "phone", "de,ar"), (4, "video", "de,prs")]
    assert result.slots[0].start.isoformat() == "2026-12-01T09:00:00+01:00"
    assert result.slots[0].telegram_id == 5551234


def test_csv_semicolons_from_excel() -> None:
    text = ("counselor;office;languages;date;start;end;mode\n"
            "A;zerbst;de;01.12.2026;09:00;09:30;büro\n")
    result = parse_csv(text, NOW)
    assert result.errors == [] and result.slots[0].mode == "in_person"


def test_bad_lines_are_reported_with_their_numbers() -> None:
    text = """counselor,office,languages,date,start,end,mode
Frau A,zerbst,de,01.12.2026,09:00,09:45,in_person
,zerbst,de,01.12.2026,09:00,09:45,in_person
Frau A,berlin,de,01.12.2026,09:00,09:45,in_person
Frau A,zerbst,de,31.02.2026,09:00,09:45,in_person
Frau A,zerbst,de,01.12.2026,9 Uhr,09:45,in_person
Frau A,zerbst,de,01.12.2026,10:00,09:45,in_person
Frau A,zerbst,fr,01.12.2026,09:00,09:45,in_person
Frau A,zerbst,de,01.12.2026,09:00,09:45,brieftaube
Frau A,zerbst,de,01.11.2026,09:00,09:45,in_person
"""
    errors = parse_csv(text, NOW).errors
    assert [e.split(":")[0] for e in errors] == [f"line {n}" for n in range(3, 11)]
    assert "counselor is empty" in errors[0]
    assert "unknown office 'berlin'" in errors[1]
    assert "31.02.2026" in errors[2]
    assert "start '9 Uhr' is not HH:MM" in errors[3]
    assert "ends before it starts" in errors[4]
    assert "languages 'fr'" in errors[5]
    assert "mode 'brieftaube'" in errors[6]
    assert "in the past" in errors[7]


def test_missing_columns() -> None:
    errors = parse_csv("name,date\nA,01.12.2026\n", NOW).errors
    assert errors and errors[0].startswith("line 1: missing column(s) counselor, office")


ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//DE
BEGIN:VEVENT
UID:a@test
DTSTART;TZID=Europe/Berlin:20261201T090000
DTEND;TZID=Europe/Berlin:20261201T094500
SUMMARY:Sprechstunde
END:VEVENT
BEGIN:VEVENT
UID:b@test
DTSTART:20261202T130000Z
DTEND:20261202T134500Z
SUMMARY:Telefonberatung
END:VEVENT
BEGIN:VEVENT
UID:c@test
DTSTART;TZID=Europe/Berlin:20261203T100000
DTEND;TZID=Europe/Berlin:20261203T104500
SUMMARY:Video
RRULE:FREQ=WEEKLY;COUNT=3
END:VEVENT
END:VCALENDAR
"""


def test_ics_is_read_with_modes_and_weekly_repeats() -> None:
    result = parse_ics(ICS, "Frau Beispiel", "zerbst", "de,prs", "in_person", NOW)
    assert result.errors == []
    assert [(s.start.isoformat()[:16], s.mode) for s in result.slots] == [
        ("2026-12-01T09:00", "in_person"), ("2026-12-02T13:00", "phone"),
        ("2026-12-03T10:00", "video"), ("2026-12-10T10:00", "video"),
        ("2026-12-17T10:00", "video")]


def test_ics_errors_name_the_event_line() -> None:
    broken = ICS.replace("DTEND:20261202T134500Z\n", "")
    result = parse_ics(broken, "Frau Beispiel", "nowhere", "de", "in_person", NOW)
    assert "unknown office 'nowhere'" in result.errors[0]
    assert "line 10: event needs DTSTART and DTEND" in result.errors


def test_import_stores_once_and_nothing_on_errors(database_url: str, tmp_path: Path,
                                                  monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("jmd.booking.imports.now", lambda: NOW)
    engine = make_engine(database_url)
    good = tmp_path / "slots.csv"
    good.write_text(GOOD_CSV, encoding="utf-8")
    with session_scope(engine) as session:
        assert import_file(session, good).created == 3
    with session_scope(engine) as session:
        again = import_file(session, good)
        assert (again.created, again.skipped) == (0, 3)
        counselor = session.execute(
            select(Counselor).where(Counselor.name == "Frau Beispiel")).scalar_one()
        assert counselor.telegram_user_id == 5551234 and counselor.languages == "de,ar"
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD_CSV + "Frau X,zerbst,de,01.12.2026,11:00,10:00,phone\n")
    with session_scope(engine) as session:
        result = import_file(session, bad)
        assert result.created == 0 and result.errors == ["line 5: ends before it starts"]
    with session_scope(engine) as session:
        assert session.execute(select(func.count(Slot.id))).scalar_one() == 3
    engine.dispose()


def test_command_line(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setattr("jmd.booking.imports.now", lambda: NOW)
    from jmd.db.engine import get_engine
    from jmd.shared.settings import get_settings

    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        bad = tmp_path / "bad.csv"
        bad.write_text("counselor,office,languages,date,start,end,mode\nA,x,de,1.12.2026,9,10,y\n")
        assert main([str(bad)]) == 1
        err = capsys.readouterr().err
        assert "bad.csv: line 2: unknown office 'x'" in err and "Nothing imported" in err
        ics = tmp_path / "k.ics"
        ics.write_text(ICS)
        assert main([str(ics), "--counselor", "Frau B", "--office", "zerbst"]) == 0
        assert "5 slot(s) imported" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()
        get_engine.cache_clear()


def test_a_partners_counselor_gets_their_organisation(database_url: str, tmp_path: Path,
                                                      monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("jmd.booking.imports.now", lambda: NOW)
    text = ("counselor,office,languages,date,start,end,mode,telegram_id,organisation\n"
            "Herr Jobcenter,koethen,de,01.12.2026,09:00,09:45,in_person,,jobcenter\n"
            "Frau Jmd,koethen,de,01.12.2026,09:00,09:45,in_person,,\n")
    assert parse_csv(text.replace(",jobcenter\n", ",bank\n"), NOW).errors == [
        "line 2: unknown organisation 'bank' (known: agentur, diakonie-zerbst, "
        "diakonieverein-bwg, jmd, jobcenter, mbe, st-jakob-koethen)"]
    assert "unknown organisation 'bank'" in parse_ics(
        ICS, "Frau B", "zerbst", organisation="bank", when=NOW).errors[0]
    path = tmp_path / "partner.csv"
    path.write_text(text, encoding="utf-8")
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        assert import_file(session, path).created == 2
    with session_scope(engine) as session:
        rows = {c.name: c.organisation_id for c in session.scalars(select(Counselor))}
        assert rows == {"Herr Jobcenter": "jobcenter", "Frau Jmd": None}  # None: the office's
    engine.dispose()
