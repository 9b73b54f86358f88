"""The Rasa tokenizer component: per-language spaCy rules plus normalisation."""

from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from jmd.nlu.tokenizer import MultilingualTokenizer, tokenize_text, tokenizer_language


def texts(text: str) -> list[str]:
    return [t.text for t in tokenize_text(text)]


def test_picks_the_tokenizer_of_the_message_language() -> None:
    assert tokenizer_language("ich brauche einen termin") == "de"
    assert tokenizer_language("میخایم یک وقت بگیرم") == "fa"
    assert tokenizer_language("بدي موعد مع المستشار") == "ar"


def test_german_tokens_are_normalised_and_punctuation_dropped() -> None:
    assert texts("Ich möchte einen Termin, geht's morgen??") == [
        "ich", "moechte", "einen", "termin", "geht's", "morgen",
    ]


def test_zwnj_space_and_glued_forms_give_the_same_token() -> None:
    assert texts("می‌خواهم") == texts("میخواهم") == texts("می خواهم") == ["میخواهم"]
    assert texts("نمی تانم") == ["نمیتانم"]


def test_offsets_point_into_the_original_text() -> None:
    text = "بدي   موعد بكرة"
    for token in tokenize_text(text):
        assert token.text.startswith(text[token.start : token.end][:1].replace("ي", "ی"))
    assert [(t.start, t.end) for t in tokenize_text(text)] == [(0, 3), (6, 10), (11, 15)]


def test_arabic_letter_variants_become_one_token() -> None:
    assert texts("كيفك") == texts("کیفک")


def test_emoji_kept_as_token() -> None:
    assert "👍" in texts("تمام 👍")


def test_punctuation_only_message_still_has_a_token() -> None:
    assert texts("???") == ["???"]


def test_component_sets_rasa_tokens() -> None:
    component = MultilingualTokenizer(MultilingualTokenizer.get_default_config())
    message = Message(data={TEXT: "سلام چطور استی"})
    component.process([message])
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert [t.text for t in tokens] == ["سلام", "چطور", "استی"]
