"""Counselors publish their free times by importing a CSV or iCalendar file.

    make import-slots FILE=slots.csv
    make import-slots FILE=kalender.ics COUNSELOR="Name" OFFICE=zerbst LANGUAGES=de,ar

CSV (UTF-8, comma or semicolon, header line):
    counselor,office,languages,date,start,end,mode,telegram_id,organisation
    Frau Beispiel,zerbst,"de,ar",01.12.2026,09:00,09:45,in_person,,
``mode``: in_person (Büro), phone (Telefon) or video; ``telegram_id`` is optional (the
counselor's own Telegram account, for the counselor group); ``organisation`` is optional
(an id of content/organisations.yml, e.g. ``jobcenter`` for a partner's counselor who
offers times at that office; empty: the office's organisation). Times are Europe/Berlin.

iCalendar: every VEVENT is a slot (DTSTART/DTEND; weekly RRULEs are expanded for the next
weeks); mode from CATEGORIES or LOCATION if it says Telefon/Video, else --mode.

A file with any bad line imports nothing: every problem is reported with its line number,
so the file can be fixed and imported again. Slots that exist already are skipped.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jmd.booking.seed import sync_offices
from jmd.booking.service import MODES, new_ref
from jmd.booking.vocabulary import match_mode
from jmd.clock import BERLIN, now, utc
from jmd.content.offices import load_offices
from jmd.content.organisations import load_organisations
from jmd.db.models import Counselor, Slot
from jmd.shared.languages import registry

COLUMNS = ("counselor", "office", "languages", "date", "start", "end", "mode")
OPTIONAL = ("telegram_id", "organisation")
MODE_WORDS = {"in_person": "in_person", "büro": "in_person", "buero": "in_person",
              "praesenz": "in_person", "präsenz": "in_person", "vor ort": "in_person",
              "phone": "phone", "telefon": "phone", "video": "video", "online": "video"}
RRULE_WEEKS = 8
MAX_LENGTH = timedelta(hours=4)  # one appointment; a longer "slot" is a day's block by mistake


@dataclass
class ParsedSlot:
    line: int
    counselor: str
    office: str
    languages: str
    start: datetime
    end: datetime
    mode: str
    telegram_id: int | None = None
    organisation: str | None = None  # None: the office's


@dataclass
class ImportResult:
    slots: list[ParsedSlot] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    created: int = 0
    skipped: int = 0


def _office_ids() -> set[str]:
    return {office.id for office in load_offices()}


def _organisation_problem(value: str | None) -> str | None:
    """Why ``value`` is no organisation id (None: it is one, or it is empty)."""
    known = {item.id for item in load_organisations()}
    if not value or value in known:
        return None
    return f"unknown organisation '{value}' (known: {', '.join(sorted(known))})"


def _mode(value: str) -> str | None:
    text = value.strip().lower()
    return MODE_WORDS.get(text) or (text if text in MODES else None) or match_mode(text)


def _languages(value: str) -> str | None:
    codes = [c.strip() for c in value.replace(";", ",").split(",") if c.strip()]
    known = set(registry().codes)
    return ",".join(codes) if codes and all(c in known for c in codes) else None


def _date(value: str) -> date:
    value = value.strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"date '{value}' is not DD.MM.YYYY or YYYY-MM-DD")


def _time(value: str, what: str) -> time:
    try:
        return datetime.strptime(value.strip(), "%H:%M").time()
    except ValueError:
        raise ValueError(f"{what} '{value}' is not HH:MM") from None


def _check_slot(slot: ParsedSlot, when: datetime) -> list[str]:
    problems = []
    if slot.end <= slot.start:
        problems.append("ends before it starts")
    elif slot.end - slot.start > MAX_LENGTH:
        problems.append("is longer than 4 hours (one line per appointment)")
    if slot.start <= when:
        problems.append("is in the past")
    return problems


def parse_csv(text: str, when: datetime | None = None) -> ImportResult:
    """Slots of a CSV file, or the problems, one per line."""
    when = when or now()
    result = ImportResult()
    sample = text[:2000]
    dialect = csv.Sniffer().sniff(sample, delimiters=",;") if sample.strip() else csv.excel
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), dialect=dialect)
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        result.errors.append(f"line 1: missing column(s) {', '.join(missing)} "
                             f"(expected {','.join(COLUMNS + OPTIONAL)})")
        return result
    offices = _office_ids()
    for row in reader:
        line = reader.line_num
        values = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        if not any(values.values()):
            continue
        problems: list[str] = []
        if not values["counselor"]:
            problems.append("counselor is empty")
        if values["office"] not in offices:
            known = ", ".join(sorted(offices))
            problems.append(f"unknown office '{values['office']}' (known: {known})")
        languages = _languages(values["languages"] or "de")
        if languages is None:
            codes = ", ".join(registry().codes)
            problems.append(f"languages '{values['languages']}' (use {codes})")
        mode = _mode(values["mode"])
        if mode is None:
            problems.append(f"mode '{values['mode']}' (use in_person, phone or video)")
        organisation = values.get("organisation") or None
        if problem := _organisation_problem(organisation):
            problems.append(problem)
        telegram_id = None
        if values.get("telegram_id"):
            if values["telegram_id"].isdigit():
                telegram_id = int(values["telegram_id"])
            else:
                problems.append("telegram_id must be a number")
        try:
            day = _date(values["date"])
            start = datetime.combine(day, _time(values["start"], "start"), tzinfo=BERLIN)
            end = datetime.combine(day, _time(values["end"], "end"), tzinfo=BERLIN)
        except ValueError as error:
            problems.append(str(error))
            result.errors += [f"line {line}: {p}" for p in problems]
            continue
        if not problems:
            slot = ParsedSlot(line, values["counselor"], values["office"], str(languages),
                              start, end, str(mode), telegram_id, organisation)
            problems = _check_slot(slot, when)
            if not problems:
                result.slots.append(slot)
        result.errors += [f"line {line}: {p}" for p in problems]
    return result


def _event_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "BEGIN:VEVENT"]


def parse_ics(
    text: str, counselor: str, office: str, languages: str = "de", mode: str = "in_person",
    when: datetime | None = None, organisation: str | None = None,
) -> ImportResult:
    """Slots of an iCalendar file for one counselor."""
    from dateutil.rrule import rrulestr
    from icalendar import Calendar

    when = when or now()
    result = ImportResult()
    if office not in _office_ids():
        known = ", ".join(sorted(_office_ids()))
        result.errors.append(f"unknown office '{office}' (known: {known})")
    langs = _languages(languages)
    if langs is None:
        result.errors.append(f"languages '{languages}' (use {', '.join(registry().codes)})")
    if not counselor.strip():
        result.errors.append("COUNSELOR is required for an iCalendar file")
    organisation = organisation or None
    if problem := _organisation_problem(organisation):
        result.errors.append(problem)
    try:
        calendar = Calendar.from_ical(text)
    except ValueError as error:
        result.errors.append(f"not an iCalendar file: {error}")
        return result
    lines = _event_lines(text)
    for index, event in enumerate(calendar.walk("VEVENT")):
        line = lines[index] if index < len(lines) else 0
        problems: list[str] = []
        start_prop, end_prop = event.get("DTSTART"), event.get("DTEND")
        if start_prop is None or end_prop is None:
            result.errors.append(f"line {line}: event needs DTSTART and DTEND")
            continue
        start, end = start_prop.dt, end_prop.dt
        if not isinstance(start, datetime) or not isinstance(end, datetime):
            result.errors.append(f"line {line}: all-day events cannot be appointments")
            continue
        start = start if start.tzinfo else start.replace(tzinfo=BERLIN)
        end = end if end.tzinfo else end.replace(tzinfo=BERLIN)
        hint = " ".join(str(event.get(k, "")) for k in ("CATEGORIES", "LOCATION", "SUMMARY"))
        if hasattr(event.get("CATEGORIES"), "cats"):
            hint += " " + " ".join(str(c) for c in event.get("CATEGORIES").cats)
        event_mode = _mode_hint(hint) or _mode(mode)
        if event_mode is None:
            problems.append(f"mode '{mode}' (use in_person, phone or video)")
        starts = [start]
        if event.get("RRULE"):
            raw = event["RRULE"].to_ical()
            rule = rrulestr(raw.decode() if isinstance(raw, bytes) else str(raw), dtstart=start)
            starts = list(rule.between(when, when + timedelta(weeks=RRULE_WEEKS), inc=True))
        for moment in starts:
            slot = ParsedSlot(line, counselor.strip(), office, str(langs), moment,
                              moment + (end - start), str(event_mode), None, organisation)
            slot_problems = problems or _check_slot(slot, when)
            if event.get("RRULE") and slot_problems == ["is in the past"]:
                continue
            if slot_problems:
                result.errors += [f"line {line}: {p}" for p in slot_problems]
                break
            result.slots.append(slot)
    return result


def _mode_hint(text: str) -> str | None:
    lowered = text.lower()
    if "video" in lowered or "online" in lowered:
        return "video"
    if "telefon" in lowered or "phone" in lowered:
        return "phone"
    return None


def store(session: Session, result: ImportResult, source: str) -> ImportResult:
    """Write the parsed slots (only if there were no errors); existing slots are skipped."""
    if result.errors:
        return result
    sync_offices(session)
    for parsed in result.slots:
        counselor = session.execute(
            select(Counselor).where(Counselor.name == parsed.counselor,
                                    Counselor.office_id == parsed.office)
        ).scalar_one_or_none()
        if counselor is None:
            counselor = Counselor(name=parsed.counselor, office_id=parsed.office, active=True,
                                  is_demo=False)
            session.add(counselor)
        counselor.languages = parsed.languages
        if parsed.telegram_id is not None:
            counselor.telegram_user_id = parsed.telegram_id
        if parsed.organisation is not None:
            counselor.organisation_id = parsed.organisation
        session.flush()
        if add_slot(session, int(counselor.id), parsed.start, parsed.end, parsed.mode, source):
            result.created += 1
        else:
            result.skipped += 1
    return result


def add_slot(session: Session, counselor_id: int, start: datetime, end: datetime, mode: str,
             source: str) -> str | None:
    """A new free slot of the counselor (bookable at once); its ref, or None if the
    counselor has a slot starting then already (withdrawn ones too: one row per start)."""
    exists = session.execute(
        select(Slot.id).where(Slot.counselor_id == counselor_id, Slot.starts_at == utc(start))
    ).first()
    if exists:
        return None
    ref = new_ref()
    session.add(Slot(ref=ref, counselor_id=counselor_id, starts_at=utc(start), ends_at=utc(end),
                     mode=mode, withdrawn=False, source=source[:120]))
    session.flush()
    return ref


def import_file(session: Session, path: Path, **ics_options: Any) -> ImportResult:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in {".ics", ".ical", ".ifb"}:
        result = parse_ics(text, **ics_options)
    else:
        result = parse_csv(text)
    return store(session, result, path.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--counselor", default="", help="iCalendar: the counselor's name")
    parser.add_argument("--office", default="", help="iCalendar: office id (content/offices.yml)")
    parser.add_argument("--languages", default="de", help="iCalendar: e.g. de,ar")
    parser.add_argument("--mode", default="in_person", help="iCalendar: in_person, phone, video")
    parser.add_argument("--organisation", default="",
                        help="iCalendar: the counselor's organisation if not the office's")
    args = parser.parse_args(argv)
    from jmd.db import session_scope
    from jmd.db.migrate import upgrade

    if not args.file.exists():
        print(f"{args.file}: no such file", file=sys.stderr)
        return 2
    upgrade()
    options: dict[str, Any] = {}
    if args.file.suffix.lower() in {".ics", ".ical", ".ifb"}:
        options = {"counselor": args.counselor, "office": args.office,
                   "languages": args.languages, "mode": args.mode,
                   "organisation": args.organisation}
    with session_scope() as session:
        result = import_file(session, args.file, **options)
    for error in result.errors:
        print(f"{args.file.name}: {error}", file=sys.stderr)
    if result.errors:
        print(f"Nothing imported: {len(result.errors)} problem(s). Fix the file and import again.",
              file=sys.stderr)
        return 1
    print(f"{args.file.name}: {result.created} slot(s) imported, {result.skipped} already there.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
