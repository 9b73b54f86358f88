"""The offices (content/offices.yml): the one place for addresses, hours and phones.

Every office belongs to an organisation of content/organisations.yml. Unknown values are
written ``PLATZHALTER`` by editors and are never shown to anyone; a known address, phone,
e-mail or opening hour needs the official page it comes from (``source``).
Office hours are local (Berlin) wall time; unknown hours mean "no statement", never
"closed" (:func:`is_open` returns None then).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any, Protocol

import yaml
from babel.dates import get_day_names

from jmd import clock
from jmd.shared.languages import registry
from jmd.shared.live import reloading
from jmd.shared.settings import PROJECT_ROOT
from jmd.texts import t

OFFICES_FILE = PROJECT_ROOT / "content" / "offices.yml"
PLACEHOLDER = "PLATZHALTER"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FIELDS = {"id", "organisation", "name", "area", "address", "phone", "email", "hours", "languages",
          "aliases", "source"}
SOURCED = ("address", "phone", "email", "hours")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")
_ID = re.compile(r"^[a-z0-9-]+$")


# weekday (0 = Monday) → opening ranges, in local time
Hours = dict[int, list[tuple[time, time]]]


class OfficeDataError(Exception):
    """The office file is broken; the message says where."""


@dataclass(frozen=True)
class Office:
    """One office. ``None`` means unknown (a placeholder in the file)."""

    id: str
    name: str
    area: str
    organisation: str = "jmd"  # id in content/organisations.yml
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    hours: Hours = field(default_factory=dict)  # empty when unknown
    languages: list[str] = field(default_factory=list)
    # what people type for this office ("dessau", "دساو", "köthen"): for the booking dialogue
    aliases: list[str] = field(default_factory=list)
    source: str | None = None  # the official page the contact details come from

    def is_open(self, weekday: int, at: time) -> bool:
        """Whether the office is open at local time ``at``; False when hours are unknown."""
        return any(start <= at < end for start, end in self.hours.get(weekday, []))


def known(value: Any) -> str | None:
    """The text of a value, or None for an empty value or a placeholder."""
    text = str(value).strip() if value is not None else ""
    return None if not text or PLACEHOLDER in text.upper() else text


def _parse_hours(value: Any, where: str) -> Hours:
    if not isinstance(value, dict) and known(value) is None:
        return {}
    if not isinstance(value, dict):
        raise OfficeDataError(f"{where}: hours must list weekdays (mon: \"09:00-12:00\")")
    hours: Hours = {}
    for day, ranges in value.items():
        if day not in WEEKDAYS:
            raise OfficeDataError(f"{where}: unknown weekday '{day}' (use {', '.join(WEEKDAYS)})")
        if known(ranges) is None:
            continue
        parsed = []
        for part in str(ranges).split(","):
            match = _RANGE.match(part)
            if not match:
                raise OfficeDataError(f"{where}: '{part.strip()}' on {day} is not HH:MM-HH:MM")
            h1, m1, h2, m2 = map(int, match.groups())
            try:
                start, end = time(h1, m1), time(h2, m2)
            except ValueError as error:
                raise OfficeDataError(f"{where}: '{part.strip()}' on {day}: {error}") from error
            if start >= end:
                raise OfficeDataError(f"{where}: '{part.strip()}' on {day} ends before it starts")
            parsed.append((start, end))
        hours[WEEKDAYS.index(day)] = parsed
    return hours


def check_entry(item: Any, index: int, noun: str, fields: set[str],
                required: tuple[str, ...], error: type[Exception]) -> str:
    """The checks every entry of an editors' list file shares: a mapping of known fields,
    the required ones filled in, a well-formed id. Returns how messages name the entry
    ("office 'zerbst'"); a problem raises ``error`` with that name in front."""
    where = f"{noun} {index}"
    if not isinstance(item, dict):
        raise error(f"{where}: expected fields like {', '.join(required)}")
    where = f"{noun} '{item.get('id', index)}'"
    unknown = set(item) - fields
    if unknown:
        raise error(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for name in required:
        if not known(item.get(name)):
            raise error(f"{where}: '{name}' is required")
    if not _ID.match(str(item["id"])):
        raise error(f"{where}: id may only contain a-z, 0-9 and '-'")
    return where


def _office(item: Any, index: int) -> Office:
    where = check_entry(item, index, "office", FIELDS, ("id", "name", "area"), OfficeDataError)
    if not known(item.get("organisation")):
        raise OfficeDataError(f"{where}: 'organisation' is required (an id from organisations.yml)")
    source = known(item.get("source"))
    hours = _parse_hours(item.get("hours"), where)
    filled = [key for key in SOURCED if (hours if key == "hours" else known(item.get(key)))]
    if filled and not source:
        raise OfficeDataError(
            f"{where}: {', '.join(filled)} filled in without 'source' (the official page)"
        )
    if source and not source.startswith("https://"):
        raise OfficeDataError(f"{where}: source must start with https:// ({source})")
    languages = item.get("languages")
    return Office(
        id=str(item["id"]),
        organisation=str(item["organisation"]).strip(),
        source=source,
        name=str(item["name"]).strip(),
        area=str(item["area"]).strip(),
        address=known(item.get("address")),
        phone=known(item.get("phone")),
        email=known(item.get("email")),
        hours=hours,
        languages=[str(x) for x in languages] if isinstance(languages, list) else [],
        aliases=[str(x) for x in item.get("aliases") or []],
    )


def load_offices(path: Path = OFFICES_FILE) -> tuple[Office, ...]:
    """All offices in file order, read again after a save (the last good version if broken)."""
    return _live_offices(path)


class HasId(Protocol):
    @property
    def id(self) -> str: ...


def read_items[Item: HasId](path: Path, key: str, build: Callable[[Any, int], Item],
               error: type[Exception]) -> tuple[Item, ...]:
    """The non-empty list ``key:`` of an editors' file, each entry built by ``build(entry,
    number)``, ids unique; any problem raises ``error`` with a readable one-line reason."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as problem:
        raise error(f"broken YAML: {problem}".splitlines()[0]) from problem
    entries = data.get(key) if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise error(f"expected a list '{key}:'")
    items = tuple(build(entry, i) for i, entry in enumerate(entries, 1))
    ids = [item.id for item in items]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise error(f"id used twice: {', '.join(duplicates)}")
    return items


def read_offices(path: Path) -> tuple[Office, ...]:
    """All offices in file order; raises OfficeDataError with a readable reason."""
    return read_items(path, "offices", _office, OfficeDataError)


_live_offices = reloading(read_offices)


def check(path: Path = OFFICES_FILE) -> list[str]:
    """Problems in the office file, one line each."""
    try:
        read_offices(path)
    except (OSError, OfficeDataError) as error:
        return [f"{path.name}: {error}"]
    return []


def missing_details(offices: tuple[Office, ...]) -> list[str]:
    """Per office, the details still unknown (a reminder, not an error)."""
    lines = []
    for office in offices:
        missing = [key for key in ("address", "phone", "email") if not getattr(office, key)]
        missing += [key for key in ("hours", "languages") if not getattr(office, key)]
        if missing:
            lines.append(f"{office.id}: {', '.join(missing)}")
    return lines


def _hours_lines(hours: Hours, language: str) -> list[str]:
    """One line per weekday ("Mo.: 09:00–12:00, 13:00–16:00"), day names in ``language``."""
    days = get_day_names("abbreviated", locale=registry().languages[language].babel_locale)
    return [
        f"{days[day]}: " + ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in ranges)
        for day, ranges in sorted(hours.items())
    ]


def render_offices(language: str, offices: tuple[Office, ...] | None = None) -> str:
    """The office list for a chat message, in ``language``; unknown values are left out."""
    offices = load_offices() if offices is None else offices
    blocks = []
    pending = False
    for office in offices:
        lines = [f"📍 {office.name}"]
        for key in ("address", "phone", "email"):
            value = getattr(office, key)
            if value:
                lines.append(f"{t(key, language)}: {value}")
        if office.hours:
            lines.append(f"{t('hours', language)}:")
            lines.extend(f"  {line}" for line in _hours_lines(office.hours, language))
        if office.languages:
            lines.append(f"{t('languages', language)}: {', '.join(office.languages)}")
        pending = pending or not (office.address and office.phone and office.hours)
        blocks.append("\n".join(lines))
    if pending:
        blocks.append(t("details_pending", language))
    return "\n\n".join(blocks)


# -- the counselors' hours: when any office is open ------------------------------------


def opening_hours(offices: Iterable[Office]) -> Hours:
    """When the counselor group is staffed: any office open (ranges merged per weekday)."""
    merged: Hours = {}
    for office in offices:
        for day, ranges in office.hours.items():
            merged.setdefault(day, []).extend(ranges)
    result: Hours = {}
    for day, ranges in sorted(merged.items()):
        joined: list[tuple[time, time]] = []
        for start, end in sorted(ranges):
            if joined and start <= joined[-1][1]:  # overlapping or touching: one range
                joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
            else:
                joined.append((start, end))
        if joined:
            result[day] = joined
    return result


def is_open(hours: Hours, moment: datetime) -> bool | None:
    """Whether ``moment`` falls in the hours (local time); None when no hours are known."""
    if not hours:
        return None
    local = clock.local(moment)
    at = local.time().replace(tzinfo=None)
    return any(start <= at < end for start, end in hours.get(local.weekday(), []))


def render_hours(hours: Hours, language: str) -> str:
    """One line per weekday, day names in ``language`` (Babel)."""
    return "\n".join(_hours_lines(hours, language))
