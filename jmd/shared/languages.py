"""The assistant's languages and per-message language detection.

Everything language-specific (names, scripts, tokenizers, marker words) comes from
``jmd/shared/data/languages.yml``; this module only combines the evidence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any, TypeVar

import yaml

from jmd.shared.normalize import is_arabic_script, is_latin_letter, normalize, words

T = TypeVar("T")

DATA_FILE = Path(__file__).parent / "data" / "languages.yml"

# Below these sizes a message says too little to switch the conversation's language.
MIN_WORDS_FOR_SWITCH = 2
MIN_LETTERS_FOR_SWITCH = 8
CLEAR_CONFIDENCE = 0.75

# Letters a keyboard of one language produces and the other's does not. گ is absent:
# Iraqi Arabic writes it too.
_PERSIAN_LETTERS = set("پچژ\u06a9\u06cc")  # پ چ ژ ک ی
_ARABIC_LETTERS = set("\u0629\u0643\u064a\u0649")  # ة ك ي ى


@dataclass(frozen=True)
class Language:
    """One supported language, as configured in languages.yml."""

    code: str
    name: str
    script: str
    spacy: str
    lingua: str
    babel_locale: str
    direction: str
    telegram_codes: tuple[str, ...]
    names: frozenset[str]
    markers: frozenset[str]
    # Latin-script writing of an Arabic-script language (Finglish, Arabizi): its typical
    # words, and patterns of whole normalised words (Arabizi's digits: "a7jez", "3andi").
    latin_markers: frozenset[str] = frozenset()
    latin_patterns: tuple[re.Pattern[str], ...] = ()
    # (Latin-script languages) markers that young people also use inside Dari or Arabic
    # sentences ("ausbildung chist"): they count for this language only without rivals.
    loanwords: frozenset[str] = frozenset()

    def latin_evidence(self, tokens: list[str]) -> int:
        """How many of ``tokens`` look like this language written in Latin letters."""
        return sum(
            1 for t in tokens
            if t in self.latin_markers or any(p.search(t) for p in self.latin_patterns)
        )


@dataclass(frozen=True)
class Detection:
    """What one message says about its language."""

    language: str | None
    confidence: float
    script: str | None
    clear: bool

    @classmethod
    def unknown(cls) -> Detection:
        return cls(None, 0.0, None, False)


class LanguageRegistry:
    """All configured languages, with detection and explicit-choice lookup."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.default: str = data["default"]
        self.distractors: tuple[str, ...] = tuple(data.get("distractors", ()))
        self.languages: dict[str, Language] = {}
        for code, item in data["languages"].items():
            self.languages[code] = Language(
                code=code,
                name=item["name"],
                script=item["script"],
                spacy=item["spacy"],
                lingua=item["lingua"],
                babel_locale=item["babel_locale"],
                direction=item.get("direction", "ltr"),
                telegram_codes=tuple(item.get("telegram_codes", ())),
                names=frozenset(normalize(str(n)) for n in item.get("names", ())),
                markers=frozenset(normalize(str(m)) for m in item.get("markers", ())),
                latin_markers=frozenset(
                    normalize(str(m)) for m in item.get("latin_markers", ())
                ),
                latin_patterns=tuple(re.compile(str(p)) for p in item.get("latin_patterns", ())),
                loanwords=frozenset(normalize(str(w)) for w in item.get("loanwords", ())),
            )

    @property
    def codes(self) -> list[str]:
        return list(self.languages)

    def get(self, code: str | None) -> Language | None:
        return self.languages.get(code) if code else None

    def from_telegram_code(self, code: str | None) -> str | None:
        """Map Telegram's `language_code` ("fa", "de-AT") to one of ours."""
        if not code:
            return None
        base = code.lower().replace("_", "-").split("-")[0]
        for lang in self.languages.values():
            if base in lang.telegram_codes or code.lower() in lang.telegram_codes:
                return lang.code
        return None

    def named_language(self, text: str) -> str | None:
        """The language a message names, e.g. "auf arabisch bitte" -> "ar"."""
        tokens = set(words(text))
        found = [lang.code for lang in self.languages.values() if tokens & lang.names]
        return found[0] if len(found) == 1 else None

    def explicit_choice(
        self, intent: str | None, entities: list[dict[str, Any]], text: str | None
    ) -> str | None:
        """A language the person chose on purpose: a button, or "auf Arabisch bitte"."""
        for entity in entities:
            if entity.get("entity") == "language" and entity.get("value") in self.languages:
                return str(entity["value"])
        if intent == "change_language" and text and not text.startswith("/"):
            return self.named_language(text)
        return None

    # -- detection -------------------------------------------------------------------

    @cached_property
    def _lingua(self) -> Any:
        from lingua import Language as LinguaLanguage
        from lingua import LanguageDetectorBuilder

        wanted = {lang.lingua for lang in self.languages.values()} | set(self.distractors)
        return LanguageDetectorBuilder.from_languages(
            *(getattr(LinguaLanguage, name) for name in sorted(wanted))
        ).build()

    def _lingua_scores(self, text: str) -> dict[str, float]:
        values = self._lingua.compute_language_confidence_values(text)
        return {value.language.name: value.value for value in values}

    def detect(self, text: str) -> Detection:
        """Detect which of our languages a message is written in, and how surely."""
        arabic = sum(1 for c in text if is_arabic_script(c))
        latin = sum(1 for c in text if is_latin_letter(c))
        if arabic + latin < 2:
            return Detection.unknown()
        # German loanwords ("Termin") inside Arabic-script sentences are common; the
        # reverse is not, so a few Arabic-script letters decide the script.
        script = "arabic" if arabic >= min(3, latin) or arabic > latin else "latin"
        candidates = [lang for lang in self.languages.values() if lang.script == script]
        if not candidates:
            return Detection(None, 0.0, script, False)

        tokens = words(text)
        lingua = self._lingua_scores(text)
        scores = {lang.code: self._score(lang, tokens, lingua, text) for lang in candidates}
        if len(candidates) == 1:
            # One language in this script: compare it against "none of ours".
            code = candidates[0].code
            confidence = _sigmoid(scores[code])
            language = code if confidence >= 0.5 else None
        else:
            ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
            code, best = ranked[0]
            confidence = _sigmoid(best - ranked[1][1])
            language = code
        if script == "latin":
            romanized = self._romanized(tokens)
            if romanized is not None:
                language, confidence = romanized
        letters = arabic + latin
        big_enough = len(tokens) >= MIN_WORDS_FOR_SWITCH or letters >= MIN_LETTERS_FOR_SWITCH
        clear = language is not None and big_enough and confidence >= CLEAR_CONFIDENCE
        return Detection(language, round(confidence, 3), script, clear)

    def _romanized(self, tokens: list[str]) -> tuple[str, float] | None:
        """An Arabic-script language written in Latin letters, if its words outweigh German.

        Only marker words count on both sides (lingua's statistics read "shu ya3ni
        ausbildung" as German, because of the one German word), and German loanwords
        ("ausbildung", "termin") do not count for German here. A tie between two
        romanised languages ("salam" alone) decides nothing.
        """
        if not tokens:
            return None

        def weight(hits: int) -> float:
            return 4.0 * hits / len(tokens) + 0.5 * min(hits, 3)

        evidence = sorted(
            ((lang.latin_evidence(tokens), lang.code) for lang in self.languages.values()
             if lang.script != "latin" and (lang.latin_markers or lang.latin_patterns)),
            reverse=True,
        )
        if not evidence or evidence[0][0] == 0:
            return None
        if len(evidence) > 1 and evidence[1][0] == evidence[0][0]:
            return None
        hits, code = evidence[0]
        latin_hits = max(
            (sum(1 for t in tokens if t in lang.markers and t not in lang.loanwords)
             for lang in self.languages.values() if lang.script == "latin"),
            default=0,
        )
        if hits <= latin_hits:
            return None
        return code, _sigmoid(weight(hits) - weight(latin_hits))

    def _score(
        self, lang: Language, tokens: list[str], lingua: dict[str, float], raw: str
    ) -> float:
        """Log-odds style evidence that ``raw`` is written in ``lang``."""
        statistical = lingua.get(lang.lingua, 0.0)
        rivals = max(
            (v for k, v in lingua.items() if k != lang.lingua), default=0.0
        )
        score = 3.0 * (statistical - rivals)
        if tokens:
            hits = sum(1 for t in tokens if t in lang.markers)
            score += 4.0 * hits / len(tokens) + 0.5 * min(hits, 3)
        if lang.script == "arabic":
            # Letter forms survive only in the raw text (normalisation folds them).
            own = _PERSIAN_LETTERS if lang.spacy == "fa" else _ARABIC_LETTERS
            other = _ARABIC_LETTERS if lang.spacy == "fa" else _PERSIAN_LETTERS
            score += 0.6 * min(sum(1 for c in raw if c in own), 3)
            score -= 0.6 * min(sum(1 for c in raw if c in other), 3)
            if lang.spacy == "ar":
                score += 0.7 * sum(1 for t in tokens if t.startswith("ال") and len(t) > 3)
        return score

    def resolve(
        self,
        current: str | None,
        *,
        explicit: str | None = None,
        text: str | None = None,
        telegram_code: str | None = None,
    ) -> str:
        """The conversation's language after one more message.

        Strongest first: an explicit choice; a message clearly written in one of our
        languages; Telegram's language code on first contact; otherwise unchanged.
        """
        if explicit in self.languages:
            return str(explicit)
        detection = self.detect(text) if text else Detection.unknown()
        from_telegram = self.from_telegram_code(telegram_code)
        if detection.language and detection.clear:
            return detection.language
        current_lang = self.get(current)
        if detection.language:
            if current_lang is None:
                # First contact: trust Telegram's setting if it fits the script.
                tg_lang = self.get(from_telegram)
                if tg_lang and tg_lang.script == detection.script:
                    return tg_lang.code
                return detection.language
            if current_lang.script != detection.script:
                return detection.language
        if current_lang is not None:
            return current_lang.code
        return from_telegram or self.default


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def in_language(texts: Mapping[str, T], language: str | None) -> T:
    """``texts[language]``, else the default language's: the one fallback for per-language data.

    Empty texts count as missing. Raises ``KeyError`` only when the default is missing too,
    which ``make check-content`` reports before it can happen at run time.
    """
    default = registry().default
    value = texts.get(language or default)
    return value if value else texts[default]


@cache
def registry() -> LanguageRegistry:
    """The languages configured for this installation (loaded once)."""
    with DATA_FILE.open(encoding="utf-8") as handle:
        return LanguageRegistry(yaml.safe_load(handle))
