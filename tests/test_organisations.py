"""Partner organisations: placeholders stay unknown, contacts cite a source."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from jmd.booking.seed import sync_offices
from jmd.content.offices import OFFICES_FILE
from jmd.content.organisations import (
    ORGANISATIONS_FILE,
    OrganisationDataError,
    check,
    load_organisations,
    missing_details,
    of_kind,
    organisation,
    read_organisations,
)
from jmd.db import make_engine, session_scope
from jmd.db.models import Office, Organisation

VALID = """
organisations:
  - id: jmd
    kind: jmd
    name: JMD
    provider: PLATZHALTER
    does: {de: Hilft, prs: کمک, ar: يساعد}
    ages: [12, 26]
    topics: [appointment]
    contact: {website: https://www.jugendmigrationsdienste.de, phone: PLATZHALTER,
              source: https://www.jugendmigrationsdienste.de}
  - id: mbe
    kind: mbe
    name: MBE
    does: {de: Hilft, prs: کمک, ar: يساعد}
    ages: [27, ]
    topics: [appointment]
"""


def write(tmp_path: Path, body: str, name: str = "organisations.yml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_the_shipped_file_names_the_cooperation_partners() -> None:
    assert check(ORGANISATIONS_FILE, OFFICES_FILE) == []
    kinds = {o.kind for o in load_organisations()}
    assert kinds == {"jmd", "mbe", "agentur", "jobcenter", "other"}
    assert organisation("jobcenter") is not None
    assert "buergergeld" in organisation("jobcenter").topics  # type: ignore[union-attr]
    names = " ".join(o.name for o in load_organisations())
    for partner in ("Dessau-Roßlau-Wittenberg", "Jobcenter Anhalt-Bitterfeld",
                    "Bitterfeld-Wolfen-Gräfenhainichen", "Kirchenkreis Zerbst", "St. Jakob Köthen"):
        assert partner in names


def test_no_contact_value_without_an_official_source() -> None:
    for item in load_organisations():
        if item.contact:
            assert item.source and item.source.startswith("https://"), item.id
        assert all("PLATZHALTER" not in value for value in item.contact.values())


def test_ages_route_under_27_to_the_jmd_and_27_or_older_to_the_mbe() -> None:
    (jmd,) = of_kind("jmd")
    (mbe,) = of_kind("mbe")
    assert jmd.serves_age(12) and jmd.serves_age(26) and not jmd.serves_age(27)
    assert mbe.serves_age(27) and mbe.serves_age(64) and not mbe.serves_age(26)


def test_placeholders_are_unknown_and_listed_as_reminders(tmp_path: Path) -> None:
    jmd, mbe = read_organisations(write(tmp_path, VALID))
    assert jmd.provider is None and "phone" not in jmd.contact
    assert jmd.contact["website"] == "https://www.jugendmigrationsdienste.de"
    assert mbe.max_age is None and mbe.contact == {}
    assert missing_details((jmd, mbe)) == ["jmd: provider, phone, email",
                                           "mbe: provider, website, phone, email"]


ORG = "organisations:\n  - {id: a, kind: jmd, name: A, does: {de: x, prs: y, ar: z}"


@pytest.mark.parametrize(("body", "message"), [
    ("organisations: [", "broken YAML"),
    ("nothing: here", "expected a list 'organisations:'"),
    ("organisations:\n  - {id: a, kind: bank, name: A}", "kind must be one of"),
    ("organisations:\n  - {id: a, kind: jmd, name: A, does: {de: x}}", "'does' needs a text in"),
    (ORG + ", ages: [20, 12]}",
     "ages end before they start"),
    (ORG + ", ages: [12],"
     " topics: [astrology]}", "topics must be from"),
    (ORG + ", ages: [12],"
     " contact: {phone: '0340 123'}}", "phone filled in without 'source'"),
    (ORG + ", ages: [12],"
     " contact: {website: http://x.de, source: https://x.de}}", "links must start with https://"),
    ("organisations:\n  - {id: a, kind: jmd, name: A, fax: 1}", "unknown field(s) fax"),
])
def test_errors_are_one_clear_line(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(OrganisationDataError):
        read_organisations(path)
    (line,) = check(path, OFFICES_FILE)
    assert line.startswith("organisations.yml: ") and message in line


def test_offices_must_belong_to_a_known_organisation(tmp_path: Path) -> None:
    offices = write(tmp_path, "offices:\n  - {id: x, organisation: bank, name: X, area: X}\n",
                    "offices.yml")
    assert check(write(tmp_path, VALID), offices) == [
        "offices.yml: office 'x': organisation 'bank' is not in organisations.yml"]
    no_mbe = VALID[: VALID.index("  - id: mbe")]
    assert "no organisation of kind 'mbe'" in check(write(tmp_path, no_mbe), OFFICES_FILE)[0]


def test_organisations_and_offices_are_mirrored_into_the_database(database_url: str) -> None:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        sync_offices(session)
        sync_offices(session)  # idempotent
    with session_scope(engine) as session:
        rows = {row.id: row.kind for row in session.scalars(select(Organisation))}
        assert rows["jobcenter"] == "jobcenter" and rows["mbe"] == "mbe"
        assert {o.organisation_id for o in session.scalars(select(Office))} == {"jmd"}
