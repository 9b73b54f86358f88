"""Figures for the cooperation's yearly review: referrals and joint appointments per
organisation and month.

Counts only: no person, no note, no counselor's name ever enters a figure, so the table and
its CSV can be passed on as they are. Built on the two counting functions
(:func:`jmd.partners.referrals.counts`, :func:`jmd.booking.joint.counts`), which also count
rows whose personal columns retention has blanked. Months are local (Berlin) calendar months.

Run as ``python -m jmd.partners.figures --year 2026 --out reports/partner-figures.csv``
(``make partner-figures``); counselors get the same with ``/zahlen`` in their group.
"""

from __future__ import annotations

import argparse
import csv
import io
from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from jmd.booking import joint
from jmd.clock import BERLIN
from jmd.content.organisations import organisation
from jmd.content.unanswered import safe_cell
from jmd.partners import referrals
from jmd.texts import staff

COLUMNS = {  # CSV header, German: the figures are read by the partners' staff
    "month": "Monat",
    "organisation": "Organisation",
    "referred": "Verweisungen gestellt",
    "received": "Verweisungen erhalten",
    "agreed": "davon mit Einwilligung",
    "declined": "davon abgelehnt",
    "joint": "gemeinsame Termine",
}


@dataclass
class Figures:
    """One organisation in one month. ``agreed`` and ``declined`` count received referrals."""

    month: str  # YYYY-MM
    organisation: str  # its id in content/organisations.yml ("" = none known)
    referred: int = 0
    received: int = 0
    agreed: int = 0
    declined: int = 0
    joint: int = 0


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The calendar year in Berlin time."""
    return datetime(year, 1, 1, tzinfo=BERLIN), datetime(year + 1, 1, 1, tzinfo=BERLIN)


def figures(session: Session, start: datetime | None = None,
            end: datetime | None = None) -> list[Figures]:
    """Per (month, organisation) with anything to count, sorted by month then organisation."""
    table: dict[tuple[str, str], Figures] = defaultdict(lambda: Figures("", ""))

    def row(month: str, organisation_id: str) -> Figures:
        item = table[(month, organisation_id)]
        item.month, item.organisation = month, organisation_id
        return item

    for count in referrals.counts(session, start, end):
        if count.from_organisation:
            row(count.month, count.from_organisation).referred += count.count
        received = row(count.month, count.to_organisation)
        received.received += count.count
        if count.consent == "yes":
            received.agreed += count.count
        elif count.consent == "no":
            received.declined += count.count
    for held in joint.counts(session, start, end):
        row(held.month, held.organisation).joint += held.count
    return [table[key] for key in sorted(table)]


def name_of(organisation_id: str) -> str:
    """The organisation's name from the editors' file (its id if it was removed there)."""
    found = organisation(organisation_id) if organisation_id else None
    return found.name if found else (organisation_id or "–")


def to_csv(rows: list[Figures]) -> str:
    """Semicolon-separated with a German header (opens in German spreadsheet programs);
    every cell through :func:`jmd.content.unanswered.safe_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(COLUMNS.values())
    for item in rows:
        values = [getattr(item, f.name) for f in fields(item)]
        values[1] = name_of(item.organisation)
        # names come from an editable file: never a formula in a spreadsheet
        writer.writerow([safe_cell(str(value)) for value in values])
    return buffer.getvalue()


def summary(rows: list[Figures], year: int) -> str:
    """The year per organisation, for a chat message (German, staff)."""
    heading = staff("partners.figures_heading", year=year)
    totals: dict[str, Figures] = {}
    for item in rows:
        total = totals.setdefault(item.organisation, Figures("", item.organisation))
        for name in ("referred", "received", "agreed", "declined", "joint"):
            setattr(total, name, getattr(total, name) + getattr(item, name))
    if not totals:
        return f"{heading}\n\n{staff('partners.figures_none')}"
    lines = [heading, ""]
    for total in sorted(totals.values(), key=lambda t: name_of(t.organisation)):
        lines.append(staff(
            "partners.figures_line", organisation=name_of(total.organisation),
            referred=total.referred, received=total.received, agreed=total.agreed,
            declined=total.declined, joint=total.joint,
        ))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from jmd.clock import local, now
    from jmd.db import session_scope
    from jmd.db.migrate import upgrade

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=local(now()).year)
    parser.add_argument("--out", type=Path, default=Path("reports/partner-figures.csv"))
    args = parser.parse_args(argv)
    upgrade()
    with session_scope() as session:
        rows = figures(session, *year_bounds(args.year))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(to_csv(rows), encoding="utf-8")
    print(summary(rows, args.year))
    print(f"CSV: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
