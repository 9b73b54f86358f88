"""The cooperation's partner organisations (content/organisations.yml).

The file is the one source of truth about who the partners are (JMD, MBE, the Agentur für
Arbeit, the Jobcenter and the church partners), what each does in plain words per language,
whom it serves (ages, topics) and how to reach it. Invariants held by :func:`read_organisations`:

- every organisation has an id, a kind from :data:`KINDS`, a name and ``does`` in every
  configured language; ``ages`` is ``[from, to]`` with ``to`` empty meaning no upper limit;
- unknown values are ``PLATZHALTER`` and come back as ``None`` (never shown to anyone);
- a known contact value (website, phone, email) only exists together with an official
  ``source`` page (https://), so nothing shown to a young person is made up;
- every office of content/offices.yml names an organisation of this file (:func:`check`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jmd.content import offices as office_data
from jmd.content.offices import check_entry, known, read_items
from jmd.shared.languages import registry
from jmd.shared.live import reloading
from jmd.shared.settings import PROJECT_ROOT

ORGANISATIONS_FILE = PROJECT_ROOT / "content" / "organisations.yml"
KINDS = ("jmd", "mbe", "agentur", "jobcenter", "other")
TOPICS = frozenset({
    "appointment", "school", "ausbildung", "job_search", "career_choice", "buergergeld",
    "residence", "language_course", "everyday",
})
CONTACT_FIELDS = ("website", "phone", "email")
FIELDS = {"id", "kind", "name", "provider", "does", "ages", "topics", "languages", "contact"}


class OrganisationDataError(Exception):
    """The organisation file is broken; the message says where."""


@dataclass(frozen=True)
class Organisation:
    """One partner organisation. ``None`` means unknown (a placeholder in the file)."""

    id: str
    kind: str
    name: str
    does: dict[str, str]
    min_age: int
    max_age: int | None  # None: no upper limit
    topics: frozenset[str]
    provider: str | None = None
    languages: list[str] = field(default_factory=list)
    contact: dict[str, str] = field(default_factory=dict)  # known values only
    source: str | None = None

    def serves_age(self, age: int) -> bool:
        """Whether a person of ``age`` years belongs to this organisation's group."""
        return self.min_age <= age and (self.max_age is None or age <= self.max_age)


def _ages(value: Any, where: str) -> tuple[int, int | None]:
    if not isinstance(value, list) or not 1 <= len(value) <= 2:
        raise OrganisationDataError(f"{where}: ages must be [from, to] (to may be empty)")
    low = value[0]
    high = value[1] if len(value) == 2 else None
    if not isinstance(low, int) or (high is not None and not isinstance(high, int)):
        raise OrganisationDataError(f"{where}: ages must be whole numbers")
    if high is not None and high < low:
        raise OrganisationDataError(f"{where}: ages end before they start")
    return low, high


def _contact(value: Any, where: str) -> tuple[dict[str, str], str | None]:
    if not isinstance(value, dict):
        raise OrganisationDataError(f"{where}: contact must list website, phone, email")
    unknown = set(value) - set(CONTACT_FIELDS) - {"source"}
    if unknown:
        fields = ", ".join(sorted(unknown))
        raise OrganisationDataError(f"{where}: unknown contact field(s) {fields}")
    filled = {key: text for key in CONTACT_FIELDS if (text := known(value.get(key)))}
    source = known(value.get("source"))
    if filled and not source:
        raise OrganisationDataError(
            f"{where}: {', '.join(filled)} filled in without 'source' (the official page)"
        )
    for url in [source, filled.get("website")]:
        if url and not url.startswith("https://"):
            raise OrganisationDataError(f"{where}: links must start with https:// ({url})")
    return filled, source


def _organisation(item: Any, index: int) -> Organisation:
    where = check_entry(item, index, "organisation", FIELDS, ("id", "kind", "name"),
                        OrganisationDataError)
    if item["kind"] not in KINDS:
        raise OrganisationDataError(f"{where}: kind must be one of {', '.join(KINDS)}")
    does = item.get("does")
    codes = registry().codes
    if not isinstance(does, dict) or any(not known(does.get(code)) for code in codes):
        raise OrganisationDataError(f"{where}: 'does' needs a text in {', '.join(codes)}")
    topics = item.get("topics") or []
    if not isinstance(topics, list) or not set(topics) <= TOPICS:
        raise OrganisationDataError(
            f"{where}: topics must be from {', '.join(sorted(TOPICS))}"
        )
    low, high = _ages(item.get("ages"), where)
    contact, source = _contact(item.get("contact") or {}, where)
    languages = item.get("languages")
    return Organisation(
        id=str(item["id"]),
        kind=str(item["kind"]),
        name=str(item["name"]).strip(),
        does={code: str(does[code]).strip() for code in codes},
        min_age=low,
        max_age=high,
        topics=frozenset(str(topic) for topic in topics),
        provider=known(item.get("provider")),
        languages=[str(x) for x in languages] if isinstance(languages, list) else [],
        contact=contact,
        source=source,
    )


def read_organisations(path: Path) -> tuple[Organisation, ...]:
    """All organisations in file order; raises OrganisationDataError with a readable reason."""
    return read_items(path, "organisations", _organisation, OrganisationDataError)


_live_organisations = reloading(read_organisations)


def load_organisations(path: Path = ORGANISATIONS_FILE) -> tuple[Organisation, ...]:
    """All organisations in file order, read again after a save (last good version if broken)."""
    return _live_organisations(path)


def organisation(organisation_id: str) -> Organisation | None:
    """The organisation with this id, or None."""
    return next((o for o in load_organisations() if o.id == organisation_id), None)


def of_kind(kind: str) -> list[Organisation]:
    """The organisations of one kind (e.g. every ``jobcenter``), in file order."""
    return [o for o in load_organisations() if o.kind == kind]


def check(
    path: Path = ORGANISATIONS_FILE, offices_path: Path = office_data.OFFICES_FILE
) -> list[str]:
    """Problems in the organisation file and in the offices' links to it, one line each."""
    try:
        organisations = read_organisations(path)
    except (OSError, OrganisationDataError) as error:
        return [f"{path.name}: {error}"]
    problems = []
    kinds = {o.kind for o in organisations}
    for needed in ("jmd", "mbe"):
        if needed not in kinds:
            problems.append(f"{path.name}: no organisation of kind '{needed}' (routing needs it)")
    try:
        offices = office_data.read_offices(offices_path)
    except (OSError, office_data.OfficeDataError):
        return problems  # offices.check() reports it
    ids = {o.id for o in organisations}
    for office in offices:
        if office.organisation not in ids:
            problems.append(
                f"{offices_path.name}: office '{office.id}': organisation '{office.organisation}' "
                f"is not in {path.name}"
            )
    return problems


def missing_details(organisations: tuple[Organisation, ...]) -> list[str]:
    """Per organisation, the details still unknown (a reminder, not an error)."""
    lines = []
    for item in organisations:
        missing = [key for key in CONTACT_FIELDS if key not in item.contact]
        if item.provider is None and item.kind in ("jmd", "mbe"):
            missing.insert(0, "provider")
        if missing:
            lines.append(f"{item.id}: {', '.join(missing)}")
    return lines
