"""jmd.handoff.cards: what counselors see (pseudonym, language, the card, the button)."""

from __future__ import annotations

from datetime import UTC, datetime

from jmd.handoff.cards import language_name, parse_take, render_card, take_data, topic_title
from jmd.handoff.counselors import UpcomingBooking
from jmd.handoff.state import ASSIGNED, CLOSED, OPEN, HandoffView
from jmd.identity import display_name
from jmd.texts import staff

CARD_URGENT = staff("handoff.card.urgent")
KEY = "u0123456789abcdef0123456789abcd"


def test_pseudonym_and_language_names_for_counselors() -> None:
    assert display_name(KEY) == "Person 012345"
    assert [language_name(code) for code in ("de", "prs", "ar", None)] == [
        "Deutsch", "Dari", "Arabisch", "unbekannt"
    ]
    assert topic_title(KEY, "prs", "JMD Zerbst") == "Person 012345 · Dari · JMD Zerbst"
    assert topic_title(KEY, "ar") == "Person 012345 · Arabisch"
    assert len(topic_title(KEY, "de", "x" * 300)) == 128


def handoff(
    status: str = OPEN, urgent: bool = False, counselor: str | None = None
) -> HandoffView:
    return HandoffView(id=7, person_key=KEY, status=status, urgent=urgent, language="ar",
                       counselor_name=counselor)


def test_card_shows_urgency_language_questions_booking_and_speakers() -> None:
    booking = UpcomingBooking(datetime(2026, 12, 3, 9, 30, tzinfo=UTC), "zerbst")
    card = render_card(handoff(urgent=True), ["ich brauche hilfe", "x" * 1000], booking,
                       "JMD Zerbst", speaking=["Omid"])
    lines = card.splitlines()
    assert lines[0] == CARD_URGENT
    assert "Person 012345" in lines[1]
    assert "Sprache: Arabisch" in lines and "Sprechen Arabisch: Omid" in lines
    assert "Büro: JMD Zerbst" in lines
    assert "Termin: Do. 03.12.2026, 10:30 Uhr" in lines  # Berlin time
    assert "» ich brauche hilfe" in lines
    assert len(card) < 1000, "long messages are shortened"
    assert "Übernehmen" in lines[-1]

    plain = render_card(handoff(ASSIGNED, counselor="Anna"))
    assert CARD_URGENT not in plain and "Termin: keiner gebucht" in plain
    assert "Büro: unbekannt" in plain and "Zuletzt" not in plain
    assert plain.splitlines()[-1].startswith("✅ Übernommen von Anna")
    assert render_card(handoff(CLOSED)).splitlines()[-1] == "☑️ Beendet."


def test_take_button_data_is_short_and_parsed_back() -> None:
    assert take_data(123456) == "ho:take:123456"
    assert parse_take("ho:take:123456") == 123456
    assert parse_take("/human_handoff") is None and parse_take(None) is None
    assert parse_take("ho:take:1; drop") is None


def test_the_longest_card_still_fits_one_telegram_message() -> None:
    """Five messages of the most the front passes on (2,000 characters each), urgent,
    recreated, a long office and many speakers: within Telegram's 4,096 characters."""
    from bot.app import MAX_TEXT_TO_RASA
    from jmd.handoff.request import MAX_RECENT
    from tests.helpers.bot_api import TEXT_LIMIT

    booking = UpcomingBooking(datetime(2026, 12, 3, 9, 30, tzinfo=UTC), "zerbst")
    card = render_card(
        handoff(status=ASSIGNED, urgent=True, counselor="Alexandra Müller-Lüdenscheidt" * 2),
        ["ä" * MAX_TEXT_TO_RASA] * MAX_RECENT, booking, "JMD " + "Anhalt-Bitterfeld " * 6,
        speaking=[f"Beraterin Nummer {n} mit langem Namen" for n in range(30)], recreated=True,
    )
    assert len(card) <= TEXT_LIMIT
