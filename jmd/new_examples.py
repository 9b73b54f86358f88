"""The training examples added since a model was trained, and how a model reads them.

Beside a published model lies the list of its examples, as digests of (label, text)
(``models/.training-examples``: written with the fingerprint by `make train`'s stamp and by
"train and publish"). Comparing it with the files now gives the examples added since; the
console asks the running (old) model and, once loaded, the new one which label each gets.
The new model has learnt them, so its figure shows that they were taken in, not how well it
generalises; the old model's shows what it missed before.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import httpx
import yaml

from jmd.shared.parse import intent_confidences, topic_ranking
from jmd.shared.settings import PROJECT_ROOT
from jmd.shared.topics import FAQ_PREFIX, load_topics

NLU_DIR = PROJECT_ROOT / "nlu" / "data" / "nlu"
# "[Köthen](office)" or '[Köthen]{"entity": "office"}' -> "Köthen"
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
MAX_ASKED = 200  # a large import is sampled, not parsed as a whole

Example = tuple[str, str]  # (label: intent or faq/<topic>, text)


def digest(example: Example) -> str:
    return hashlib.sha256("\t".join(example).encode()).hexdigest()[:20]


def examples(faq_dir: Path, nlu_dir: Path = NLU_DIR) -> list[Example]:
    """Every training example: the FAQ topics' and those of Rasa's NLU files."""
    found: list[Example] = [(topic.intent, text) for topic in load_topics(faq_dir)
                            for texts in topic.examples.values() for text in texts]
    for path in sorted(nlu_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text("utf-8")) or {}
        for item in data.get("nlu") or []:
            if "intent" not in item:
                continue
            for line in str(item.get("examples") or "").splitlines():
                text = _ANNOTATION.sub(r"\1", line.strip().removeprefix("- ").strip())
                if text:
                    found.append((str(item["intent"]), text))
    return found


def read(path: Path) -> set[str] | None:
    """The stored digests, or None when there are none (a model from before)."""
    try:
        return set(path.read_text("utf-8").split())
    except OSError:
        return None


def write(path: Path, found: list[Example]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(sorted({digest(e) for e in found})) + "\n", "utf-8")
    tmp.replace(path)


def added(found: list[Example], stored: set[str]) -> list[Example]:
    """The examples not in ``stored``, at most :data:`MAX_ASKED` (evenly spread)."""
    new = [example for example in found if digest(example) not in stored]
    step = max(1, -(-len(new) // MAX_ASKED))
    return new[::step]


def label_of(parse: dict[str, Any]) -> str:
    """The label a parse result gives: the intent, or ``faq/<topic>`` for the FAQ."""
    intents = intent_confidences(parse)
    best = max(intents, key=lambda name: intents[name], default="")
    if best == FAQ_PREFIX:
        ranking = topic_ranking(parse)
        return ranking[0][0] if ranking else best
    return best


def recognised(url: str, token: str, asked: list[Example]) -> int:
    """How many of ``asked`` the model at ``url`` labels right (``POST /model/parse``)."""
    right = 0
    with httpx.Client(timeout=60) as client:
        for label, text in asked:
            response = client.post(f"{url}/model/parse", params={"token": token},
                                   json={"text": text})
            response.raise_for_status()
            right += label_of(response.json()) == label
    return right
