"""Crisis safety net: key phrases in every language, independent of the classifier.

A young person who writes "ich will nicht mehr leben", "بدي موت" or "خودمه بکشم" must get
the emergency numbers first, whatever the trained model makes of the message and even
while Rasa is down. The phrases live in ``content/crisis_phrases.yml`` (edited by the
content editors; syntax explained at the top of that file); this module matches them on
text folded by :mod:`jmd.shared.normalize` (script variants, diacritics, umlauts), sentence by
sentence.

Used by the Rasa NLU component :class:`jmd.nlu.crisis.CrisisSafetyNet` (sets the intent
``crisis``) and by the Telegram front when Rasa cannot answer (``bot/relay.py``).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from jmd.shared.languages import registry
from jmd.shared.live import reloading
from jmd.shared.normalize import normalize, words
from jmd.shared.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

PHRASES_FILE = PROJECT_ROOT / "content" / "crisis_phrases.yml"

GAP = "..."  # 0 to MAX_GAP other words
END = "$"  # end of the sentence
MAX_GAP = 3
FUZZY_MIN_LENGTH = 7  # Latin words this long (without *) also match with one typo

# Sentence ends: . ! ? ; (also Arabic ؟ ؛), ellipsis, line breaks. Emoji end a sentence too.
_SENTENCE_END = set(".!?;\n\r؟؛…")
# Dari verbs: the prefix می/نمی is written glued, with a ZWNJ, or with a space (as in the
# NLU tokenizer, jmd/nlu/tokenizer.py).
_SEPARABLE_PREFIXES = {"می", "نمی"}
_LOOSE = (("ae", "a"), ("oe", "o"), ("ue", "u"))


def _fold(word: str) -> str:
    """Umlauts typed as ä, ae or a are one letter (normalize already made ä → ae)."""
    for long, short in _LOOSE:
        word = word.replace(long, short)
    return word


def _is_latin(word: str) -> bool:
    return all(c.isascii() for c in word)


def sentences(text: str) -> list[list[str]]:
    """The folded words of each sentence of ``text``."""
    parts: list[str] = []
    current: list[str] = []
    for char in text:
        if char in _SENTENCE_END or unicodedata.category(char) == "So":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    result = []
    for part in parts:
        folded: list[str] = []
        for word in words(part):
            word = _fold(word)
            if folded and folded[-1] in _SEPARABLE_PREFIXES:
                folded[-1] += word
            else:
                folded.append(word)
        if folded:
            result.append(folded)
    return result


def _one_edit_apart(a: str, b: str) -> bool:
    """True if ``a`` and ``b`` differ by at most one insertion, deletion, substitution or
    swap of two neighbouring letters."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    if la == lb:
        return a[i + 1:] == b[i + 1:] or (
            i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2:] == b[i + 2:]
        )
    return a[i:] == b[i + 1:]


class PhraseError(ValueError):
    """A phrase in the data file is not well-formed."""


@dataclass(frozen=True)
class _Word:
    """One word position: alternatives, each literal or with * wildcards."""

    literals: frozenset[str]
    fuzzy: tuple[str, ...]
    pattern: re.Pattern[str] | None

    @classmethod
    def parse(cls, token: str) -> _Word:
        literals, fuzzy, wildcards = set(), [], []
        for raw in token.split("|"):
            if not raw:
                raise PhraseError(f"empty alternative in '{token}'")
            # the letters between the * are folded like the words of a message
            pieces = [_fold(normalize(piece)) for piece in raw.split("*")]
            letters = "".join(pieces)
            if not letters or (len(pieces) > 1 and len(letters) < 2):
                raise PhraseError(f"'{raw}' has too few letters")
            if any(" " in piece for piece in pieces):
                raise PhraseError(f"'{raw}' contains a space; write one word per position")
            if len(pieces) > 1:
                wildcards.append(".*".join(re.escape(piece) for piece in pieces))
            else:
                literals.add(letters)
                if _is_latin(letters) and len(letters) >= FUZZY_MIN_LENGTH:
                    fuzzy.append(letters)
        pattern = re.compile("|".join(wildcards)) if wildcards else None
        return cls(frozenset(literals), tuple(fuzzy), pattern)

    def matches(self, word: str) -> bool:
        if word in self.literals:
            return True
        if self.pattern is not None and self.pattern.fullmatch(word):
            return True
        return any(_one_edit_apart(word, literal) for literal in self.fuzzy)


_Item = Any  # _Word, GAP or END


@dataclass(frozen=True)
class Phrase:
    """A phrase from the data file, compiled."""

    text: str
    category: str
    language: str
    items: tuple[_Item, ...]

    @classmethod
    def parse(cls, text: str, category: str = "", language: str = "") -> Phrase:
        tokens = str(text).split()
        if not tokens:
            raise PhraseError("empty phrase")
        if tokens[0] in (GAP, END) or tokens[-1] == GAP:
            raise PhraseError(f"'{text}': '...' only between words, '$' only at the end")
        items: list[_Item] = []
        for index, token in enumerate(tokens):
            if token == GAP:
                if items[-1] is GAP:
                    raise PhraseError(f"'{text}': '... ...' twice")
                items.append(GAP)
            elif token == END:
                if index != len(tokens) - 1:
                    raise PhraseError(f"'{text}': '$' only at the end")
                items.append(END)
            else:
                try:
                    items.append(_Word.parse(token))
                except PhraseError as error:
                    raise PhraseError(f"'{text}': {error}") from None
        return cls(str(text), category, language, tuple(items))

    def spans(self, sentence: list[str]) -> Iterator[tuple[int, int]]:
        """(first, last + 1) word index of every place the phrase matches in ``sentence``."""
        for start in range(len(sentence)):
            end = self._match(0, sentence, start)
            if end is not None:
                yield start, end

    def _match(self, k: int, sentence: list[str], i: int) -> int | None:
        if k == len(self.items):
            return i
        item = self.items[k]
        if item is END:
            return i if i == len(sentence) else None
        if item is GAP:
            for skip in range(MAX_GAP + 1):
                if i + skip > len(sentence):
                    break
                end = self._match(k + 1, sentence, i + skip)
                if end is not None:
                    return end
            return None
        if i < len(sentence) and item.matches(sentence[i]):
            return self._match(k + 1, sentence, i + 1)
        return None


@dataclass(frozen=True)
class CrisisMatch:
    """What fired: the phrase, its category (suicide, violence …) and language."""

    category: str
    language: str
    phrase: str


@dataclass
class CrisisMatcher:
    phrases: list[Phrase]
    exceptions: list[Phrase] = field(default_factory=list)
    # Characters that alone say "emergency" in any language (🆘), wherever they stand.
    signs: tuple[str, ...] = ()

    def match(self, text: str) -> CrisisMatch | None:
        """The first phrase found in ``text``, unless an exception covers the same place."""
        for sign in self.signs:
            if sign in str(text):
                return CrisisMatch("emergency_sign", "", sign)
        for sentence in sentences(text):
            excepted = [span for e in self.exceptions for span in e.spans(sentence)]
            for phrase in self.phrases:
                for start, end in phrase.spans(sentence):
                    if not any(start < e_end and e_start < end for e_start, e_end in excepted):
                        return CrisisMatch(phrase.category, phrase.language, phrase.text)
        return None

    def __call__(self, text: str) -> bool:
        return self.match(text) is not None


def _read(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise PhraseError(f"{path.name}: expected a mapping with 'phrases'")
    return data


def _strings(value: Any) -> list[str]:
    return [str(item) for item in value or []]


def _parsed(text: str, category: str, language: str, strict: bool) -> Phrase | None:
    try:
        return Phrase.parse(text, category, language)
    except PhraseError as error:
        if strict:
            raise
        # One editor's typo must not switch off the other phrases (make check-content
        # reports it before it gets here).
        logger.error("crisis phrase skipped: %s", error)
        return None


def matcher_from_data(data: dict[str, Any], strict: bool = True) -> CrisisMatcher:
    phrases = [
        _parsed(text, str(category), str(language), strict)
        for category, per_language in (data.get("phrases") or {}).items()
        for language, texts in (per_language or {}).items()
        for text in _strings(texts)
    ]
    exceptions = [
        _parsed(text, "exception", str(language), strict)
        for language, texts in (data.get("exceptions") or {}).items()
        for text in _strings(texts)
    ]
    signs = tuple(sign.strip() for sign in _strings(data.get("signs")) if sign.strip())
    return CrisisMatcher([p for p in phrases if p], [e for e in exceptions if e], signs)


def load_matcher(path: Path = PHRASES_FILE, strict: bool = False) -> CrisisMatcher:
    """The matcher for the phrase file at ``path``; malformed phrases are skipped unless
    ``strict``. An unreadable file raises: the assistant must not run without its net."""
    return matcher_from_data(_read(path), strict)


# read again after an editor's save (a broken save keeps the last good phrases)
live_matcher = reloading(load_matcher)


def default_matcher() -> CrisisMatcher:
    """The matcher for ``content/crisis_phrases.yml`` as the file is now."""
    return live_matcher(PHRASES_FILE)


def crisis_match(text: str) -> CrisisMatch | None:
    """What makes ``text`` a crisis message, or None."""
    return default_matcher().match(text)


def is_crisis(text: str) -> bool:
    return crisis_match(text) is not None


def examples(path: Path = PHRASES_FILE) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(must match, must not match) example sentences per language from the data file."""
    data = _read(path)
    must = {str(lang): _strings(texts) for lang, texts in (data.get("examples") or {}).items()}
    must_not = {
        str(lang): _strings(texts) for lang, texts in (data.get("not_crisis") or {}).items()
    }
    return must, must_not


def _check_phrase_lists(
    where: str, lists: dict[str, Any], problems: list[str], seen: dict[str, str]
) -> None:
    for lang in registry().codes:
        if not _strings(lists.get(lang)):
            problems.append(f"{where}: no phrases in '{lang}'")
    for lang, texts in lists.items():
        if lang not in registry().codes:
            problems.append(f"{where}: unknown language '{lang}'")
        for text in _strings(texts):
            try:
                Phrase.parse(text)
            except PhraseError as error:
                problems.append(f"{where} ({lang}): {error}")
                continue
            key = " ".join(_fold(normalize(text)).split())
            if key in seen:
                problems.append(f"{where} ({lang}): '{text}' is also in {seen[key]}")
            seen.setdefault(key, where)


def check(path: Path = PHRASES_FILE) -> list[str]:
    """Every problem in the crisis phrase file, one line each (for `make check-content`)."""
    name = path.name
    try:
        data = _read(path)
    except (OSError, yaml.YAMLError, PhraseError) as error:
        return [f"{name}: cannot be read: {error}".splitlines()[0]]
    problems: list[str] = []
    seen: dict[str, str] = {}
    categories = data.get("phrases") or {}
    if not isinstance(categories, dict) or not categories:
        return [f"{name}: 'phrases' is missing or empty"]
    for category, lists in categories.items():
        if not isinstance(lists, dict):
            problems.append(f"{name}: '{category}' needs a list per language")
            continue
        _check_phrase_lists(f"{name}: {category}", lists, problems, seen)
    for lang, texts in (data.get("exceptions") or {}).items():
        for text in _strings(texts):
            try:
                Phrase.parse(text)
            except PhraseError as error:
                problems.append(f"{name}: exceptions ({lang}): {error}")
    if problems:
        return problems
    matcher = matcher_from_data(data)
    must, must_not = examples(path)
    for lang in registry().codes:
        if not must.get(lang):
            problems.append(f"{name}: no examples in '{lang}'")
        if not must_not.get(lang):
            problems.append(f"{name}: no not_crisis sentences in '{lang}'")
    for lang, texts in must.items():
        for text in texts:
            if not matcher(text):
                problems.append(f"{name}: example ({lang}) '{text}' is not recognised")
    for lang, texts in must_not.items():
        for text in texts:
            found = matcher.match(text)
            if found:
                problems.append(
                    f"{name}: not_crisis ({lang}) '{text}' is recognised by '{found.phrase}'"
                )
    return problems

