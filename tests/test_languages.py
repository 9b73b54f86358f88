"""Language detection and the rules that choose the conversation's language."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jmd.shared.languages import registry
from jmd.shared.settings import PROJECT_ROOT

langs = registry()


def examples(language: str) -> list[str]:
    data = yaml.safe_load((PROJECT_ROOT / "nlu/data/nlu" / f"{language}.yml").read_text())
    return [
        line.strip()[2:].strip()
        for block in data["nlu"]
        for line in block["examples"].splitlines()
        if line.strip()
    ]


@pytest.mark.parametrize("language", ["de", "prs", "ar"])
def test_detection_on_training_examples(language: str) -> None:
    """Most examples are recognised; a confident wrong answer is rare."""
    texts = examples(language)
    detections = [langs.detect(t) for t in texts]
    right = sum(d.language == language for d in detections) / len(texts)
    confidently_wrong = [
        t for t, d in zip(texts, detections, strict=True) if d.clear and d.language != language
    ]
    assert right >= 0.88, right
    # German sentences inside the Dari/Arabic files ("Termin absagen") are allowed.
    assert len(confidently_wrong) / len(texts) <= 0.03, confidently_wrong


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("میخایم یک وقت بگیرم", "prs"),
        ("سلام چطور استی خوب استی", "prs"),
        ("میخواهم با مشاور گپ بزنم", "prs"),
        ("بدي موعد مع المستشار", "ar"),
        ("شلونك شنو الاخبار", "ar"),
        ("أريد أن أتعلم اللغة الألمانية", "ar"),
        ("ich will einen termin machen", "de"),
        ("wann ist mein termin bitte", "de"),
    ],
)
def test_clear_messages(text: str, language: str) -> None:
    detection = langs.detect(text)
    assert detection.language == language
    assert detection.clear


@pytest.mark.parametrize("text", ["ok", "👍", "?", "hello how are you", "", "123"])
def test_short_or_foreign_messages_are_not_clear(text: str) -> None:
    assert not langs.detect(text).clear


def test_german_loanword_in_arabic_sentence_is_arabic_script() -> None:
    assert langs.detect("ممكن Termin بكرة").script == "arabic"


class TestResolve:
    def test_explicit_choice_wins_over_the_text(self) -> None:
        assert langs.resolve("de", explicit="ar", text="ich will deutsch") == "ar"

    def test_clear_text_switches(self) -> None:
        assert langs.resolve("de", text="میخایم یک وقت بگیرم") == "prs"
        assert langs.resolve("prs", text="ich will einen termin machen") == "de"

    def test_short_message_keeps_current(self) -> None:
        assert langs.resolve("ar", text="ok") == "ar"
        assert langs.resolve("prs", text="👍") == "prs"

    def test_ambiguous_arabic_script_keeps_current_arabic_script_language(self) -> None:
        assert langs.resolve("prs", text="سلام") == "prs"
        assert langs.resolve("ar", text="سلام") == "ar"

    def test_other_script_switches_even_when_short(self) -> None:
        assert langs.resolve("de", text="سلام") in {"prs", "ar"}

    def test_telegram_code_on_first_contact(self) -> None:
        assert langs.resolve(None, text="ok", telegram_code="fa") == "prs"
        assert langs.resolve(None, text="ok", telegram_code="ar") == "ar"
        assert langs.resolve(None, text="ok", telegram_code="de-AT") == "de"

    def test_telegram_code_only_on_first_contact(self) -> None:
        assert langs.resolve("ar", text="ok", telegram_code="fa") == "ar"

    def test_default_is_german(self) -> None:
        assert langs.resolve(None, text="ok", telegram_code="en") == "de"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("auf arabisch bitte", "ar"),
        ("kannst du dari", "prs"),
        ("بدي احكي الماني", "de"),
        ("به عربی بنویس", "ar"),
        ("بالفارسي لو سمحت", "prs"),
        ("sprache ändern", None),
    ],
)
def test_named_language(text: str, language: str | None) -> None:
    assert langs.explicit_choice("change_language", [], text) == language


def test_named_language_only_counts_for_change_language() -> None:
    assert langs.explicit_choice("greet", [], "ich lerne deutsch") is None


def test_button_entity_is_an_explicit_choice() -> None:
    entity = {"entity": "language", "value": "prs"}
    assert langs.explicit_choice("change_language", [entity], "/change_language") == "prs"


def test_forged_language_entity_is_ignored() -> None:
    entity = {"entity": "language", "value": "xx"}
    assert langs.explicit_choice("change_language", [entity], "/change_language") is None


def test_every_language_is_complete() -> None:
    for lang in langs.languages.values():
        assert lang.names and lang.markers and lang.telegram_codes
        assert Path(PROJECT_ROOT / "nlu/data/nlu" / f"{lang.code}.yml").exists()


# Latin-script Dari (Finglish) and Arabic (Arabizi), as different writers spell them.
@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("salam mikhaham termin begiram", "prs"),
        ("Salam man mikhastam yak termin begirom", "prs"),
        ("slm chetori, mikham ausbildung konam", "prs"),
        ("salam, mikhaham ausbildung", "prs"),
        ("komak mikhaham", "prs"),
        ("kumak mekhayum lutfan", "prs"),
        ("chetor mitanam kar paida konam", "prs"),
        ("marhaba bade a7jez maw3ed", "ar"),
        ("shu ya3ni ausbildung", "ar"),
        ("bdi a7ki m3 mustashar", "ar"),
        ("shlonak ana 3ayez shughl", "ar"),
        ("kifak, biddi termin bukra", "ar"),
        ("mar7aba momken 2adesh el kurs", "ar"),
        ("ausbildung chist", "prs"),  # a German loanword does not make it German
        ("bade termin", "ar"),
    ],
)
def test_latin_script_dari_and_arabic_are_recognised(text: str, language: str) -> None:
    detection = langs.detect(text)
    assert (detection.language, detection.clear) == (language, True)


@pytest.mark.parametrize(
    "text",
    [
        "ich will einen termin machen",
        "hallo ich bin ana und brauche hilfe",
        "ich brauche help with my ausbildung",
        "Ich mache mein Abi und dann Ausbildung",
        "kann ich mit b2 eine ausbildung machen",
        "termin am 5 jan bitte",
        "Was ist ein Minijob",
        "ich will ausbildung",
        "hilfe bitte termin",
    ],
)
def test_german_and_english_ish_german_stay_german(text: str) -> None:
    assert langs.detect(text).language == "de"


def test_a_greeting_alone_does_not_decide_between_dari_and_arabic() -> None:
    assert not langs.detect("salam").clear
    assert langs.resolve("ar", text="salam") == "ar"
    assert langs.resolve("prs", text="salam") == "prs"


def test_latin_script_dari_switches_a_german_conversation() -> None:
    assert langs.resolve("de", text="salam mikhaham termin begiram") == "prs"
    assert langs.resolve("de", text="marhaba bade a7jez maw3ed") == "ar"
