"""Text normalisation shared by the NLU tokenizer, language detection and keyword lookup.

Young people type on whatever keyboard they have: Persian or Arabic letter forms,
with or without diacritics and zero-width non-joiners, Eastern digits, German
without umlauts. Folding these variants makes "می‌خواهم" and "ميخواهم", or
"prüfung" and "pruefung", the same word for the classifier.
"""

from __future__ import annotations

import re
import unicodedata

# Arabic diacritics (harakat, shadda, sukun, superscript alef) and Quranic marks.
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
# Zero-width and bidi control characters: invisible, but they split or glue words.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad]")
# Three or more of the same letter ("salaaaam", "سلاااام") are emphasis, not spelling.
_ELONGATION = re.compile(r"(\w)\1{2,}")
_SPACES = re.compile(r"\s+")

_CHAR_MAP = str.maketrans(
    {
        # Arabic/Persian letter variants -> one canonical form
        "\u064a": "\u06cc",  # ي Arabic yeh -> ی
        "\u0649": "\u06cc",  # ى alef maksura -> ی
        "\u0626": "\u06cc",  # ئ -> ی
        "\u0643": "\u06a9",  # ك Arabic kaf -> ک
        "\u0623": "\u0627",  # أ -> ا
        "\u0625": "\u0627",  # إ -> ا
        "\u0622": "\u0627",  # آ -> ا
        "\u0671": "\u0627",  # ٱ -> ا
        "\u0624": "\u0648",  # ؤ -> و
        "\u0629": "\u0647",  # ة -> ه
        "\u06c0": "\u0647",  # ۀ -> ه
        "\u06c1": "\u0647",  # ہ -> ه
        "\u06d5": "\u0647",  # ە -> ه
        # punctuation
        "\u060c": ",",  # ،
        "\u061b": ";",  # ؛
        "\u061f": "?",  # ؟
        "\u066a": "%",
        # German spellings without umlauts are as common as with them
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "ß": "ss",
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Eastern Arabic digits
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian digits
    }
)


def normalize(text: str) -> str:
    """Fold script, spelling and case variants; keeps word boundaries."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _DIACRITICS.sub("", text).replace(_TATWEEL, "")
    text = text.casefold().translate(_CHAR_MAP)
    text = _ELONGATION.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words(text: str) -> list[str]:
    """Normalised words of a text (letters and digits only)."""
    return _WORD.findall(normalize(text))


def is_arabic_script(char: str) -> bool:
    code = ord(char)
    return (
        0x0600 <= code <= 0x06FF
        or 0x0750 <= code <= 0x077F
        or 0x08A0 <= code <= 0x08FF
        or 0xFB50 <= code <= 0xFDFF
        or 0xFE70 <= code <= 0xFEFF
    )


def is_latin_letter(char: str) -> bool:
    return char.isalpha() and ord(char) < 0x0250
