"""A Rasa tokenizer for German, Dari and Arabic in one model.

For each message it picks spaCy's blank tokenizer of the detected language
(``spacy.blank("de"|"fa"|"ar")``: rules only, no downloaded model), then folds
script and spelling variants (see :mod:`jmd.shared.normalize`) so the featurizers see one
form per word. Token offsets stay those of the original text.
"""

from __future__ import annotations

import threading
import unicodedata
from functools import cache, lru_cache
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from jmd.shared.languages import registry
from jmd.shared.normalize import normalize

# Dari verbs take the prefix می/نمی, written glued, with a ZWNJ, or with a space.
# Glue the spaced form back so all three become one token.
_SEPARABLE_PREFIXES = {"می", "نمی"}


@cache
def _spacy_tokenizer(code: str) -> Any:
    import spacy

    return spacy.blank(code).tokenizer


def _warm_up() -> None:
    for language in registry().languages.values():
        _spacy_tokenizer(language.spacy)
    registry().detect("Hallo, ich suche eine Ausbildung")


def _is_punctuation(text: str) -> bool:
    return all(unicodedata.category(c).startswith("P") for c in text)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class MultilingualTokenizer(Tokenizer):
    """Tokenizes each message with the spaCy rules of its own language."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MultilingualTokenizer:
        # Loading the language statistics and spaCy's rules takes ~4 s on first use; do it
        # now, beside loading the rest of the model, not while the first person waits.
        threading.Thread(target=_warm_up, name="tokenizer-warm-up", daemon=True).start()
        return cls(config)

    @staticmethod
    def supported_languages() -> list[str] | None:
        return None

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute)
        return tokenize_text(text)


@lru_cache(maxsize=16384)
def tokenizer_language(text: str) -> str:
    """The spaCy language code used to split ``text``.

    Cached: training tokenizes every intent and action name thousands of times.
    """
    langs = registry()
    detection = langs.detect(text)
    lang = langs.get(detection.language) or langs.get(langs.default)
    assert lang is not None
    return lang.spacy


def tokenize_text(text: str) -> list[Token]:
    """Split and normalise ``text``; offsets refer to the original string."""
    doc = _spacy_tokenizer(tokenizer_language(text))(text)
    tokens: list[Token] = []
    for item in doc:
        if item.is_space or _is_punctuation(item.text):
            continue
        form = normalize(item.text)
        if not form:
            continue
        start, end = item.idx, item.idx + len(item.text)
        if tokens and tokens[-1].text in _SEPARABLE_PREFIXES and tokens[-1].end < start:
            previous = tokens.pop()
            tokens.append(Token(previous.text + form, previous.start, end))
            continue
        tokens.append(Token(form, start, end))
    if not tokens and text.strip():
        # Rasa needs at least one token; keep the message whole (e.g. "?" or "...").
        stripped = text.strip()
        start = text.index(stripped)
        tokens.append(Token(normalize(stripped) or stripped, start, start + len(stripped)))
    return tokens
