"""The normaliser folds the spelling variants young people actually type."""

import pytest

from jmd.shared.normalize import normalize, words


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("می‌خواهم", "میخواهم"),  # with ZWNJ
        ("ميخواهم", "میخواهم"),  # Arabic yeh
        ("كجا", "کجا"),  # Arabic kaf
        ("أريد", "ارید"),  # alef with hamza
        ("إلى", "الی"),  # alef below, alef maksura
        ("مُوعِدٌ", "موعد"),  # diacritics
        ("هـــلا", "هلا"),  # tatweel
        ("ساعة", "ساعه"),  # teh marbuta
        ("Prüfung", "pruefung"),
        ("PRUEFUNG", "pruefung"),
        ("Straße", "strasse"),
        ("ٱلسلام", "السلام"),
        ("سلاااام", "سلام"),
        ("hallooooo", "hallo"),
        ("\u200fسلام\u200e", "سلام"),  # bidi marks
    ],
)
def test_variants_fold_to_one_form(variant: str, canonical: str) -> None:
    assert normalize(variant) == canonical


def test_eastern_digits_become_ascii() -> None:
    assert normalize("٢٠٢٦ و ۱۴۰۵") == "2026 و 1405"


def test_arabic_punctuation_and_spaces() -> None:
    assert normalize("  شلونك؟   زين،  ") == "شلونک? زین,"


def test_words_drop_punctuation_and_emoji() -> None:
    assert words("Hallo!! wie gehts? 👋") == ["hallo", "wie", "gehts"]


def test_normalize_is_idempotent() -> None:
    text = "Ich möchte einen Termin – می‌خواهم وقت – بدي موعد ٣"
    assert normalize(normalize(text)) == normalize(text)
