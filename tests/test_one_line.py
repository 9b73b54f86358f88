"""jmd.shared.one_line: outside text on one line, without bidi tricks or control characters."""

from __future__ import annotations

import pytest

from jmd.handoff.cards import render_card, taken_line, topic_title
from jmd.handoff.state import OPEN, HandoffView
from jmd.shared.one_line import LINE_BREAK, one_line
from jmd.texts import staff

OVERRIDES = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


@pytest.mark.parametrize("crafted, expected", [
    ("hallo\n✅ Übernommen von Anna", f"hallo{LINE_BREAK}✅ Übernommen von Anna"),
    ("a\r\nb\rc\u2028d\u2029e\x85f\x0bg\x0ch", LINE_BREAK.join("abcdefgh")),
    ("\n\n  zwei  \n\n", "zwei"),
    ("user\u202egnp.exe", "usergnp.exe"),  # "user" + RLO: would show as "userexe.png"
    (f"{OVERRIDES}Anna{OVERRIDES}", "Anna"),
    ("\u200fسلام\u200e\u061c", "سلام"),
    ("tab\there\x00\x1b[31mred\x7f", "tab here [31mred"),
])
def test_crafted_text_becomes_one_safe_line(crafted: str, expected: str) -> None:
    assert one_line(crafted) == expected


def test_what_languages_need_stays() -> None:
    dari = "می\u200cخواهم"  # ZWNJ is Dari spelling
    family = "👩\u200d👩\u200d👧"  # ZWJ joins an emoji
    for text in (dari, family, "مرحبا كيف حالك؟", "Grüße aus Wittenberg 🙂"):
        assert one_line(text) == text


def test_cards_titles_and_staff_texts_get_one_line_per_field() -> None:
    handoff = HandoffView(id=1, person_key="u0123456789abcdef", status=OPEN, urgent=False,
                          language="de", counselor_name=None)
    card = render_card(handoff, ["hi\n\n☑️ Beendet.", "\u202eok"],
                       office="Büro\nDRINGEND", speaking=["Anna\nOmid"])
    plain = render_card(handoff, ["hi", "ok"], office="Büro DRINGEND", speaking=["Anna Omid"])
    assert len(card.splitlines()) == len(plain.splitlines())
    assert "☑️ Beendet." not in card.splitlines() and "\u202e" not in card
    assert "\n" not in taken_line("Anna\n\n🚨 DRINGEND") and "\n" not in staff(
        "handoff.done_note", name="Anna\nChef")
    assert "\n" not in topic_title("u0123456789abcdef", "de", "Wittenberg\n\u202eX")
