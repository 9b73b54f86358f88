"""Partner figures: referrals and joint appointments per organisation and month, counts only."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from jmd.booking.joint import book_joint
from jmd.booking.seed import sync_offices
from jmd.db import make_engine, session_scope
from jmd.db.engine import get_engine
from jmd.db.migrate import upgrade
from jmd.db.models import Referral
from jmd.partners.figures import Figures, figures, main, summary, to_csv, year_bounds
from jmd.shared.settings import get_settings
from tests.helpers.booking import add_counselor, add_slot

MARCH = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def referral(key: str, to: str, consent: str | None, when: datetime = MARCH,
             status: str = "answered") -> Referral:
    return Referral(person_key=key, language="prs", status=status, from_organisation_id="jmd",
                    to_organisation_id=to, note="geheime Notiz", consent=consent,
                    share_chat=False, created_at=when)


def test_referrals_and_joint_appointments_are_counted_per_month_and_organisation(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    jmd = add_counselor(engine, "Frau Jmd")
    jobcenter = add_counselor(engine, "Herr Jc", organisation="jobcenter")
    host = add_slot(engine, jobcenter, datetime(2026, 3, 20, 10, 0))
    partner = add_slot(engine, jmd, datetime(2026, 3, 20, 10, 0))
    with session_scope(engine) as session:
        sync_offices(session)
        session.add_all([
            referral("u1", "jobcenter", "yes"), referral("u2", "jobcenter", "no"),
            referral("u3", "agentur", None, status="asked"),
            referral("u4", "mbe", "yes", when=datetime(2026, 4, 2, tzinfo=UTC)),
            referral("u5", "mbe", None, status="draft"),  # never reached the person
            referral("u6", "mbe", "yes", when=datetime(2025, 12, 31, 23, 30, tzinfo=UTC)),
        ])
        book_joint(session, "u1", host, partner, "prs", datetime(2026, 3, 11, tzinfo=UTC))
    with session_scope(engine) as session:
        rows = figures(session, *year_bounds(2026))
    assert rows == [
        Figures("2026-01", "jmd", referred=1),
        Figures("2026-01", "mbe", received=1, agreed=1),  # 00:30 on New Year's Day in Berlin
        Figures("2026-03", "agentur", received=1),
        Figures("2026-03", "jmd", referred=3, joint=1),
        Figures("2026-03", "jobcenter", received=2, agreed=1, declined=1, joint=1),
        Figures("2026-04", "jmd", referred=1),
        Figures("2026-04", "mbe", received=1, agreed=1),
    ]


def test_csv_and_summary_name_organisations_and_hold_no_personal_data() -> None:
    rows = [Figures("2026-03", "jobcenter", received=2, agreed=1, declined=1, joint=1),
            Figures("2026-04", "jobcenter", received=1, agreed=1)]
    table = to_csv(rows).splitlines()
    assert table == [
        "Monat;Organisation;Verweisungen gestellt;Verweisungen erhalten;"
        "davon mit Einwilligung;davon abgelehnt;gemeinsame Termine",
        "2026-03;Jobcenter Anhalt-Bitterfeld;0;2;1;1;1",
        "2026-04;Jobcenter Anhalt-Bitterfeld;0;1;1;0;0",
    ]
    text = summary(rows, 2026)
    assert "2026" in text and "Jobcenter Anhalt-Bitterfeld: 0 gestellt, 3 erhalten" in text
    assert "Noch keine" in summary([], 2026)


def test_the_command_line_writes_the_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        upgrade()
        with session_scope() as session:
            sync_offices(session)
            session.add(referral("u1", "jobcenter", "yes"))
        out = tmp_path / "figures.csv"
        assert main(["--year", "2026", "--out", str(out)]) == 0
        written = out.read_text(encoding="utf-8")
        assert "2026-03;Jobcenter Anhalt-Bitterfeld;0;1;1;0;0" in written
        assert "geheime Notiz" not in written and "u1" not in written
        assert "Jobcenter Anhalt-Bitterfeld: 0 gestellt, 1 erhalten" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()
        get_engine.cache_clear()


def test_a_cell_that_could_start_a_formula_is_defused_in_the_csv() -> None:
    # an organisation removed from the editors' file shows its id: it must stay a text
    rows = [Figures("2026-03", "=HYPERLINK(\"x\")", referred=1)]
    cells = list(csv.reader(io.StringIO(to_csv(rows)), delimiter=";"))[1]
    assert cells[:3] == ["2026-03", "'=HYPERLINK(\"x\")", "1"]
