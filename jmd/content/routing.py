"""Routing by age and need (content/routing.yml): who helps whom with what.

The file holds the age bands the assistant asks for and rules ``need → organisation``
(ids of content/organisations.yml). Invariants held by :func:`read_routing`:

- bands are in age order, do not overlap and leave no gap; only the last is open-ended.
  A person's band is all that is ever stored, never an exact age (:func:`band_in_text`
  turns a typed age into its band and forgets the number);
- a rule names a known need, an existing organisation and known bands; a need whose rules
  name bands has exactly one organisation for every band, and that organisation serves
  the band's ages (:func:`check`);
- answers are rendered from the organisation data (:func:`card`): its ``does`` text in the
  person's language and its known contact values; placeholders are never shown, and no
  language is special-cased here (labels come from the text catalogue).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from jmd import texts
from jmd.content import organisations as organisation_data
from jmd.content.organisations import Organisation, OrganisationDataError
from jmd.shared.languages import in_language
from jmd.shared.live import reloading
from jmd.shared.settings import PROJECT_ROOT
from jmd.texts import t

ROUTING_FILE = PROJECT_ROOT / "content" / "routing.yml"
APPOINTMENT = "appointment"  # the need of a booking
NEEDS = organisation_data.TOPICS
_BAND_ID = re.compile(r"^[0-9a-z+-]+$")
# Eastern Arabic (Arabic) and extended Arabic-Indic (Dari) digits, as typed on phones
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_NUMBER = re.compile(r"(?<!\d)(\d{1,3})(?!\d)")
_PLACEHOLDER = re.compile(r"\{(route|organisation):([a-z0-9_-]+)\}")


class RoutingDataError(Exception):
    """The routing file is broken; the message says where."""


@dataclass(frozen=True)
class Band:
    """An age band: ``id`` as stored and sent by buttons, ages ``low`` to ``high``."""

    id: str
    low: int
    high: int | None  # None: no upper limit

    def contains(self, age: int) -> bool:
        return self.low <= age and (self.high is None or age <= self.high)


@dataclass(frozen=True)
class Rule:
    """``need`` goes to organisation ``to``, for the ``bands`` (empty: for everybody)."""

    need: str
    to: str
    bands: tuple[str, ...] = ()

    def fits(self, need: str, band: str | None) -> bool:
        return self.need == need and (not self.bands or band in self.bands)


@dataclass(frozen=True)
class Routing:
    bands: tuple[Band, ...]
    rules: tuple[Rule, ...]


def _bands(items: Any) -> tuple[Band, ...]:
    if not isinstance(items, list) or not items:
        raise RoutingDataError("expected a list 'bands:'")
    bands: list[Band] = []
    for index, item in enumerate(items, 1):
        where = f"band {index}"
        if not isinstance(item, dict) or not _BAND_ID.match(str(item.get("id", ""))):
            raise RoutingDataError(f"{where}: needs an id (0-9, a-z, '+', '-')")
        ages = item.get("ages")
        if not isinstance(ages, list) or not 1 <= len(ages) <= 2 or not isinstance(ages[0], int):
            raise RoutingDataError(f"{where} '{item['id']}': ages must be [from, to]")
        high = ages[1] if len(ages) == 2 else None
        if high is not None and (not isinstance(high, int) or high < ages[0]):
            raise RoutingDataError(f"{where} '{item['id']}': ages end before they start")
        band = Band(str(item["id"]), ages[0], high)
        if bands:
            before = bands[-1]
            if before.high is None:
                raise RoutingDataError(f"band '{before.id}' has no upper age but is not the last")
            if band.low != before.high + 1:
                raise RoutingDataError(
                    f"band '{band.id}' must start at {before.high + 1} (after '{before.id}')")
        bands.append(band)
    ids = [b.id for b in bands]
    if len(set(ids)) != len(ids):
        raise RoutingDataError("a band id is used twice")
    if bands[-1].high is not None:
        raise RoutingDataError(f"the last band '{bands[-1].id}' needs an open end: [from, ]")
    return tuple(bands)


def _rules(items: Any, band_ids: set[str]) -> tuple[Rule, ...]:
    if not isinstance(items, list) or not items:
        raise RoutingDataError("expected a list 'rules:'")
    rules = []
    for index, item in enumerate(items, 1):
        where = f"rule {index}"
        if not isinstance(item, dict) or set(item) - {"need", "to", "bands"}:
            raise RoutingDataError(f"{where}: only 'need', 'to' and 'bands' are allowed")
        need, to = item.get("need"), item.get("to")
        if need not in NEEDS:
            raise RoutingDataError(
                f"{where}: need '{need}' is not one of {', '.join(sorted(NEEDS))}")
        if not to:
            raise RoutingDataError(f"{where}: 'to' (an organisation id) is required")
        bands = item.get("bands") or []
        if not isinstance(bands, list) or not set(map(str, bands)) <= band_ids:
            raise RoutingDataError(f"{where}: bands must be from {', '.join(sorted(band_ids))}")
        rules.append(Rule(str(need), str(to), tuple(str(b) for b in bands)))
    return tuple(rules)


def read_routing(path: Path) -> Routing:
    """The bands and rules of ``path``; raises RoutingDataError with a readable reason."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise RoutingDataError(f"broken YAML: {error}".splitlines()[0]) from error
    if not isinstance(data, dict):
        raise RoutingDataError("expected 'bands:' and 'rules:'")
    bands = _bands(data.get("bands"))
    return Routing(bands, _rules(data.get("rules"), {b.id for b in bands}))


_live_routing = reloading(read_routing)


def load_routing(path: Path = ROUTING_FILE) -> Routing:
    """The routing, read again after a save (last good version if broken)."""
    return _live_routing(path)


# -- age bands --------------------------------------------------------------------------


def band_ids() -> list[str]:
    """The band ids, youngest first (also the order of the buttons)."""
    return [band.id for band in load_routing().bands]


def band_of_age(age: int) -> str | None:
    """The band an age belongs to; None below the youngest band."""
    return next((b.id for b in load_routing().bands if b.contains(age)), None)


def band_in_text(text: str) -> str | None:
    """The band of the first age in ``text`` ("ich bin 30", "۳۰ سالمه", "عمري 30"), or None."""
    found = _NUMBER.search(text.translate(_DIGITS))
    return band_of_age(int(found.group(1))) if found else None


def band_label(band: str, language: str) -> str:
    """The band's button text in ``language``."""
    return t(f"routing.band.{band}", language)


# -- rules ----------------------------------------------------------------------------


def routes(need: str, band: str | None = None) -> list[tuple[Rule, Organisation]]:
    """The rules for ``need`` that fit ``band`` (every band's when None), with their
    organisations, in file order; a band's first fitting rule only."""
    found: list[tuple[Rule, Organisation]] = []
    for rule in load_routing().rules:
        if rule.need != need or (band is not None and not rule.fits(need, band)):
            continue
        organisation = organisation_data.organisation(rule.to)
        if organisation is not None:
            found.append((rule, organisation))
    return found[:1] if band is not None else found


def route(need: str, band: str | None) -> Organisation | None:
    """The organisation ``need`` goes to for a person in ``band``, or None."""
    found = routes(need, band)
    return found[0][1] if found else None


def booking_kind(band: str) -> str | None:
    """The kind of organisation whose counselors a person in ``band`` books with."""
    organisation = route(APPOINTMENT, band)
    return organisation.kind if organisation else None


# -- answers ---------------------------------------------------------------------------


def card(organisation: Organisation, language: str) -> str:
    """What the organisation does and how to reach it, in ``language``; known values only."""
    lines = [f"🏢 {organisation.name}", in_language(organisation.does, language)]
    labels = {"website": "routing.website", "phone": "phone", "email": "email"}
    contact = [f"{t(labels[key], language)}: {value}"
               for key, value in organisation.contact.items()]
    lines.extend(contact or [t("routing.no_contact", language)])
    return "\n".join(lines)


def elsewhere(organisation: Organisation, language: str) -> str:
    """A booking sent to an organisation without free times here: who it is, how to reach it."""
    return t("routing.elsewhere", language, organisation=card(organisation, language))


def render_routes(need: str, language: str, band: str | None = None) -> str:
    """The organisations ``need`` goes to (the person's band's only, when known)."""
    blocks = []
    for rule, organisation in routes(need, band):
        block = card(organisation, language)
        if band is None and rule.bands:  # several answers by age: say for whom each is
            ages = ", ".join(band_label(b, language) for b in rule.bands)
            block = f"👤 {ages}\n{block}"
        blocks.append(block)
    return "\n\n".join(blocks)


def render_placeholders(text: str, language: str, band: str | None = None) -> str:
    """``{route:<need>}`` and ``{organisation:<id>}`` replaced by organisation cards."""

    def replace(match: re.Match[str]) -> str:
        kind, value = match.groups()
        if kind == "route":
            return render_routes(value, language, band)
        organisation = organisation_data.organisation(value)
        return card(organisation, language) if organisation else ""

    return _PLACEHOLDER.sub(replace, text)


def placeholder_problem(placeholder: str) -> str | None:
    """Why an FAQ placeholder like ``{route:x}`` cannot be rendered; None if it can."""
    match = _PLACEHOLDER.fullmatch(placeholder)
    if match is None:
        return "unknown placeholder"
    kind, value = match.groups()
    if kind == "route" and not routes(value):
        return f"no rule for need '{value}' in {ROUTING_FILE.name}"
    if kind == "organisation" and organisation_data.organisation(value) is None:
        return f"no organisation '{value}' in {organisation_data.ORGANISATIONS_FILE.name}"
    return None


def is_placeholder(placeholder: str) -> bool:
    """Whether ``placeholder`` is a routing placeholder (``{route:…}``, ``{organisation:…}``)."""
    return _PLACEHOLDER.fullmatch(placeholder) is not None


# -- make check-content ---------------------------------------------------------------


def check(
    path: Path = ROUTING_FILE,
    organisations_path: Path = organisation_data.ORGANISATIONS_FILE,
) -> list[str]:
    """Problems in the routing file and its links to the organisations, one line each."""
    try:
        routing = read_routing(path)
    except (OSError, RoutingDataError) as error:
        return [f"{path.name}: {error}"]
    try:
        known = {o.id: o for o in organisation_data.read_organisations(organisations_path)}
    except (OSError, OrganisationDataError):
        return []  # organisations.check() reports it
    problems = [f"{path.name}: band '{b.id}' has no button text routing.band.{b.id} in "
                "content/texts/" for b in routing.bands
                if f"routing.band.{b.id}" not in texts.keys("routing.band.")]
    bands = {b.id: b for b in routing.bands}
    for index, rule in enumerate(routing.rules, 1):
        target = known.get(rule.to)
        if target is None:
            problems.append(f"{path.name}: rule {index}: organisation '{rule.to}' is not in "
                            f"{organisations_path.name}")
            continue
        for band_id in rule.bands:
            band = bands[band_id]
            too_old = target.max_age is not None and (band.high is None
                                                      or band.high > target.max_age)
            if band.low < target.min_age or too_old:
                problems.append(f"{path.name}: rule {index}: '{rule.to}' does not serve ages "
                                f"of band '{band_id}' (see its ages)")
    for need in sorted({r.need for r in routing.rules}):
        rules = [r for r in routing.rules if r.need == need]
        if not any(r.bands for r in rules):
            continue
        for band_id in bands:
            count = sum(1 for r in rules if not r.bands or band_id in r.bands)
            if count != 1:
                problems.append(f"{path.name}: need '{need}' has {count} rules for band "
                                f"'{band_id}' (exactly 1 needed)")
    if APPOINTMENT not in {r.need for r in routing.rules}:
        problems.append(f"{path.name}: no rule for '{APPOINTMENT}' (booking needs it)")
    return problems
