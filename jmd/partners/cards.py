"""What the person and the counselors read about a referral (texts from the catalogue).

The person's question shows exactly what would be passed on: the note, their language and
their age band if known — never the chat. The partner's card (German, staff texts) shows the
same, plus a link to the person's topic only with the separate yes (``share_chat``). The
last line of the card says who has it; taking it over replaces just that line.
"""

from __future__ import annotations

from jmd.handoff.cards import TOPIC_TITLE_LIMIT, language_name
from jmd.identity import display_name
from jmd.partners.referrals import ReferralView, organisation_name
from jmd.shared.languages import registry
from jmd.shared.one_line import one_line
from jmd.texts import staff, t


def target_name(referral: ReferralView) -> str:
    """ "Jobcenter Anhalt-Bitterfeld", or "Jonas (Jobcenter …)" for a named colleague."""
    organisation = organisation_name(referral.to_organisation_id)
    if referral.to_counselor_name:
        return f"{referral.to_counselor_name} ({organisation})"
    return organisation


def question(referral: ReferralView, language: str) -> str:
    """The person's question, in their language: may this be passed on?"""
    lang = registry().get(referral.language) or registry().get(language)
    age = t("referral_ask_age", language, band=referral.age_band) if referral.age_band else ""
    return t("referral_ask", language, counselor=one_line(referral.from_name or ""),
             organisation=target_name(referral), note=one_line(referral.note or ""),
             language=lang.name if lang else "?", age=age)


def topic_link(group: int, thread: int) -> str:
    """A link to a forum topic of a supergroup (members only can open it)."""
    internal = str(group).removeprefix("-100")
    return f"https://t.me/c/{internal}/{thread}"


def card_topic_title(referral: ReferralView) -> str:
    """The partner's topic: organisation and pseudonym, never a name."""
    title = staff("partners.topic_title",
                  organisation=organisation_name(referral.to_organisation_id),
                  person=display_name(referral.person_key or ""))
    return title[:TOPIC_TITLE_LIMIT]


def status_line(referral: ReferralView) -> str:
    """Who has taken the referral over (the card's last line)."""
    if referral.taken_by_name:
        return staff("partners.card.taken", name=referral.taken_by_name)
    return staff("partners.card.open")


def render_card(referral: ReferralView, chat_link: str | None) -> str:
    """The partner's card: what the person agreed to pass on, and who has it."""
    lines = [staff("partners.card.title",
                   organisation=organisation_name(referral.to_organisation_id))]
    if referral.to_counselor_name:
        lines.append(staff("partners.card.colleague", name=referral.to_counselor_name))
    lines.append(staff("partners.card.from", name=referral.from_name or "?",
                       organisation=organisation_name(referral.from_organisation_id)
                       if referral.from_organisation_id else staff("handoff.unknown")))
    lines.append(staff("partners.card.person", person=display_name(referral.person_key or "")))
    lines.append(staff("partners.card.language", language=language_name(referral.language)))
    if referral.age_band:
        lines.append(staff("partners.card.age", band=referral.age_band))
    lines.append(staff("partners.card.note", note=referral.note or ""))
    if referral.share_chat and chat_link:
        lines.append(staff("partners.card.chat", link=chat_link))
    else:
        lines.append(staff("partners.card.no_chat"))
    lines += ["", status_line(referral)]
    return "\n".join(lines)
