"""Rasa replies turned into Telegram messages."""

from bot.formatting import RLM, PayloadStore, keyboard, split_message, to_html
from bot.rasa_client import Button


def test_html_is_escaped() -> None:
    assert to_html("<b>hi</b> & bye", "de") == "&lt;b&gt;hi&lt;/b&gt; &amp; bye"


def test_rtl_lines_start_with_a_right_to_left_mark() -> None:
    html = to_html("• Nummer gegen Kummer: 116 111\n\nسلام", "ar")
    lines = html.split("\n")
    assert lines[0].startswith(RLM) and lines[2].startswith(RLM)
    assert lines[1] == ""


def test_ltr_text_is_unchanged() -> None:
    assert RLM not in to_html("Hallo\nWelt", "de")


def test_short_text_is_not_split() -> None:
    assert split_message("kurz") == ["kurz"]


def test_split_on_paragraphs_within_limit() -> None:
    paragraphs = [f"Absatz {i} " * 30 for i in range(40)]
    text = "\n\n".join(paragraphs)
    parts = split_message(text, limit=1000)
    assert all(len(p) <= 1000 for p in parts)
    assert "\n\n".join(parts) == text  # nothing lost, boundaries kept


def test_a_huge_paragraph_is_split_on_words() -> None:
    text = "wort " * 3000
    parts = split_message(text, limit=4096)
    assert all(len(p) <= 4096 for p in parts)
    assert " ".join(parts).split() == text.split()


def test_short_payloads_are_sent_as_they_are() -> None:
    store = PayloadStore()
    assert store.callback_data("/greet") == "/greet"
    assert store.payload("/greet") == "/greet"


def test_long_payloads_get_a_short_token() -> None:
    store = PayloadStore()
    payload = '/choose_slot{"slot_id": "' + "x" * 80 + '"}'
    data = store.callback_data(payload)
    assert len(data.encode()) <= 64
    assert store.payload(data) == payload


def test_unknown_or_evicted_token_is_refused() -> None:
    store = PayloadStore(capacity=1)
    first = store.callback_data("/a" + "x" * 70)
    store.callback_data("/b" + "y" * 70)
    assert store.payload(first) is None
    assert store.payload("#forged") is None


def test_keyboard_one_button_per_row() -> None:
    markup = keyboard((Button("Deutsch", "/x"), Button("دری", "/y")), PayloadStore())
    assert markup is not None
    assert [[b.text for b in row] for row in markup.inline_keyboard] == [["Deutsch"], ["دری"]]
    assert keyboard((), PayloadStore()) is None


def test_rating_buttons_share_a_row() -> None:
    buttons = (
        Button("💡 Studium", "/a"), Button("👍", "/b"), Button("👎", "/c"), Button("دری", "/d")
    )
    markup = keyboard(buttons, PayloadStore())
    assert markup is not None
    rows = [[b.text for b in row] for row in markup.inline_keyboard]
    assert rows == [["💡 Studium"], ["👍", "👎"], ["دری"]]


def test_buttons_telegram_would_refuse_are_left_out() -> None:
    """A button without title or payload would make Telegram refuse the whole message."""
    buttons = (Button("", "/a"), Button(" ", "/b"), Button("Ja", ""), Button("Nein", "/deny"))
    markup = keyboard(buttons, PayloadStore())
    assert markup is not None
    assert [[b.text for b in row] for row in markup.inline_keyboard] == [["Nein"]]
    assert keyboard((Button("", "/a"),), PayloadStore()) is None


def test_callback_data_is_measured_in_utf8_bytes() -> None:
    store = PayloadStore()
    dari = "/x" + "د" * 31  # 33 characters, 64 bytes: fits
    assert store.callback_data(dari) == dari
    longer = dari + "د"  # 66 bytes
    token = store.callback_data(longer)
    assert token != longer and len(token.encode()) <= 64 and store.payload(token) == longer


def test_a_word_longer_than_a_message_is_not_cut_inside_an_html_entity() -> None:
    from tests.helpers.bot_api import visible_text

    text = to_html("x" * 4094 + "&&&" + "y" * 10, "de")  # "&amp;" across the limit
    parts = split_message(text)
    assert "".join(parts) == text and all(len(p) <= 4096 for p in parts)
    assert "".join(visible_text(p, "HTML") for p in parts) == "x" * 4094 + "&&&" + "y" * 10
