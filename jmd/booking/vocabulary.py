"""The words people type in the booking dialogue (content/booking.yml) and what they mean.

Labels are texts (content/texts/booking.yml, jmd.texts.t); this module only reads answers.

People answer in their own words: "morgen", "nächsten Dienstag", "فردا", "بكرة", "egal",
"am Telefon", "in Dessau". Phrases are matched as whole words after the same
normalisation the classifier uses, longest phrase first ("سه شنبه" is Tuesday, not "شنبه").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import dateparser
import yaml

from jmd.content.offices import load_offices
from jmd.shared.languages import in_language, registry
from jmd.shared.normalize import words
from jmd.shared.settings import PROJECT_ROOT

BOOKING_FILE = PROJECT_ROOT / "content" / "booking.yml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Short forms ("Di", "so", "do") are ordinary words too: they count only as a whole answer.
_SHORT = 2
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2,4}))?\b")


@lru_cache(maxsize=2)
def vocabulary(path: Path = BOOKING_FILE) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: expected sections modes, any, days, formats")
    return data


def fmt(kind: str, language: str) -> str:
    """A date or time pattern (``day_button``, ``date``, ``time``) for ``language``."""
    return str(in_language(vocabulary()["formats"][kind], language))


@dataclass(frozen=True)
class _Phrase:
    tokens: tuple[str, ...]
    value: str


def _phrases(entries: dict[str, list[str]]) -> list[_Phrase]:
    found = [
        _Phrase(tuple(words(str(p))), str(value))
        for value, phrases in entries.items()
        for p in phrases
        if words(str(p))
    ]
    return sorted(found, key=lambda p: -len(p.tokens))


def _match(tokens: list[str], phrases: list[_Phrase]) -> str | None:
    """The value of the longest phrase found in ``tokens`` as whole words."""
    for phrase in phrases:
        n = len(phrase.tokens)
        if n == 1 and len(phrase.tokens[0]) <= _SHORT and tokens != list(phrase.tokens):
            continue
        if any(tuple(tokens[i : i + n]) == phrase.tokens for i in range(len(tokens) - n + 1)):
            return phrase.value
    return None


@lru_cache(maxsize=1)
def _mode_phrases() -> list[_Phrase]:
    return _phrases({str(mode): words for mode, words in vocabulary()["modes"].items()})


@lru_cache(maxsize=1)
def _any_phrases() -> list[_Phrase]:
    return _phrases({"any": vocabulary()["any"]})


@lru_cache(maxsize=1)
def _office_phrases() -> list[_Phrase]:
    entries: dict[str, list[str]] = {}
    for office in load_offices():
        entries[office.id] = [office.id.replace("-", " "), office.area, *office.aliases]
    return _phrases(entries)


@lru_cache(maxsize=1)
def _language_phrases() -> list[_Phrase]:
    return _phrases({code: [lang.name, *lang.names] for code, lang in
                     registry().languages.items()})


def means_any(text: str) -> bool:
    return _match(words(text), _any_phrases()) is not None


def match_mode(text: str) -> str | None:
    return _match(words(text), _mode_phrases())


def match_office(text: str) -> str | None:
    return _match(words(text), _office_phrases())


def match_language(text: str) -> str | None:
    return _match(words(text), _language_phrases())


@lru_cache(maxsize=1)
def _day_phrases() -> tuple[list[_Phrase], list[_Phrase]]:
    days = vocabulary()["days"]
    relative = _phrases({str(k): v for k, v in days["relative"].items()})
    weekdays = _phrases({str(WEEKDAYS.index(k)): v for k, v in days["weekdays"].items()})
    return relative, weekdays


def parse_day(text: str, today: date) -> date | None:
    """The day someone means ("morgen", "Di", "فردا", "بكرة", "3.12."), never a past one."""
    tokens = words(text)
    numeric = _NUMERIC_DATE.search(" ".join(tokens).replace(" . ", "."))
    numeric = numeric or _NUMERIC_DATE.search(text.translate(_DIGITS))
    if numeric:
        day = _numeric_date(numeric, today)
        if day is not None:
            return day
    relative, weekdays = _day_phrases()
    weekday = _match(tokens, weekdays)
    if weekday is not None:
        ahead = (int(weekday) - today.weekday()) % 7 or 7  # "Dienstag" on a Tuesday: next week
        return today + timedelta(days=ahead)
    offset = _match(tokens, relative)
    if offset is not None:
        return today + timedelta(days=int(offset))
    return _dateparser_day(text, today)


_DIGITS = str.maketrans({**{chr(0x0660 + i): str(i) for i in range(10)},
                         **{chr(0x06F0 + i): str(i) for i in range(10)}})


def _numeric_date(match: re.Match[str], today: date) -> date | None:
    day_, month = int(match.group(1)), int(match.group(2))
    year_text = match.group(3)
    year = int(year_text) + (2000 if year_text and len(year_text) == 2 else 0) if year_text \
        else today.year
    try:
        found = date(year, month, day_)
    except ValueError:
        return None
    if found < today and not year_text:
        found = found.replace(year=found.year + 1)
    return found if found >= today else None


def _dateparser_day(text: str, today: date) -> date | None:
    """Dates written out ("5. Dezember", "۵ دسمبر", "5 كانون الأول"): dateparser knows them."""
    if not any(ch.isdigit() for ch in text.translate(_DIGITS)):
        return None  # dateparser guesses wildly on words alone
    parsed = dateparser.parse(
        text.translate(_DIGITS),
        languages=["de", "fa", "ar"],
        settings={
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": datetime(today.year, today.month, today.day, 12),
            "DATE_ORDER": "DMY",
            "REQUIRE_PARTS": ["day", "month"],
        },
    )
    if parsed is None or parsed.date() < today:
        return None
    day: date = parsed.date()
    return day
