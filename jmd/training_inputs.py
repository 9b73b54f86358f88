"""What the trained model depends on, as one fingerprint: retrain only when it changes.

The model learns from the training examples, the dialogue data and the configuration, and
from the code that turns text into features. It does **not** contain what editors change
most: FAQ answers, titles, links and follow-up buttons, office data, labels, crisis phrases.
Those are read at run time (the action server re-reads the topic files when they change;
the crisis phrases when Rasa starts), so the fingerprint leaves them out and `make run`
does not retrain for them.

``python -m jmd.training_inputs STAMP`` rewrites STAMP only when the fingerprint changed:
make compares its time with the model's (a content-based stamp instead of file times).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from jmd.shared.settings import PROJECT_ROOT
from jmd.shared.topics import FAQ_DIR, load_topics

# beside the stamp: the digests of the examples it was taken from (jmd.new_examples)
EXAMPLES_FILE = ".training-examples"

# files whose whole content the model depends on (globs below PROJECT_ROOT)
MODEL_FILES = (
    "config.yml",
    "domain.yml",
    "nlu/data/nlu/*.yml",
    "nlu/data/*.yml",
    # the components config.yml names and what they import
    "jmd/nlu/tokenizer.py",
    "jmd/nlu/flat_diet.py",
    "jmd/nlu/quick_load.py",
    "jmd/nlu/linear.py",
    "jmd/nlu/decision.py",
    "jmd/nlu/crisis.py",
    "jmd/nlu/importer.py",
    "jmd/shared/normalize.py",
    "jmd/shared/languages.py",
    "jmd/shared/data/languages.yml",
    "jmd/shared/topics.py",
    "jmd/shared/parse.py",
)


def fingerprint(root: Path = PROJECT_ROOT, faq_dir: Path = FAQ_DIR) -> str:
    """SHA-256 over the model's inputs: whole files, and of the FAQ topics the examples only."""
    digest = hashlib.sha256()
    for pattern in MODEL_FILES:
        for path in sorted(root.glob(pattern)):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    examples = {topic.name: topic.examples for topic in load_topics(faq_dir)}
    digest.update(json.dumps(examples, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def refresh(stamp: Path) -> bool:
    """Writes the fingerprint to ``stamp`` if it differs; whether it changed.

    Beside it, the examples' digests (``.training-examples``, :mod:`jmd.new_examples`), so
    the console can tell which examples a later "train and publish" adds.
    """
    from jmd import new_examples

    current = fingerprint()
    listed = stamp.with_name(EXAMPLES_FILE)
    if stamp.exists() and stamp.read_text("utf-8").strip() == current:
        if not listed.exists():
            new_examples.write(listed, new_examples.examples(FAQ_DIR))
        return False
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current + "\n", "utf-8")
    new_examples.write(listed, new_examples.examples(FAQ_DIR))
    return True


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m jmd.training_inputs STAMP")
    refresh(Path(sys.argv[1]))
