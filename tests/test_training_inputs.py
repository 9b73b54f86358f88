"""The model's fingerprint: examples count, what editors change every day does not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from jmd import new_examples
from jmd.shared.topics import FAQ_DIR
from jmd.training_inputs import EXAMPLES_FILE, fingerprint, refresh


@pytest.fixture()
def faq_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FAQ_DIR, tmp_path / "faq"))


def _edit(path: Path, change: dict) -> None:
    data = yaml.safe_load(path.read_text("utf-8"))
    for key, value in change.items():
        data[key] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")


def test_answers_titles_links_and_buttons_do_not_change_it(faq_copy: Path) -> None:
    before = fingerprint(faq_dir=faq_copy)
    _edit(faq_copy / "study.yml", {
        "answer": {"de": "Neu.", "prs": "جدید.", "ar": "جديد."},
        "title": {"de": "Studium", "prs": "پوهنتون", "ar": "الجامعة"},
        "link": "https://www.study-in-germany.de/",
        "buttons": ["human_handoff"],
    })
    assert fingerprint(faq_dir=faq_copy) == before


def test_a_new_example_changes_it(faq_copy: Path) -> None:
    before = fingerprint(faq_dir=faq_copy)
    data = yaml.safe_load((faq_copy / "study.yml").read_text("utf-8"))
    _edit(faq_copy / "study.yml", {"examples": {**data["examples"],
                                                "de": [*data["examples"]["de"], "uni bitte"]}})
    assert fingerprint(faq_dir=faq_copy) != before


def test_the_stamp_is_rewritten_only_when_the_fingerprint_changes(tmp_path: Path) -> None:
    stamp = tmp_path / "models" / ".training-inputs"
    assert refresh(stamp) is True
    written = stamp.stat().st_mtime_ns
    assert refresh(stamp) is False
    assert stamp.stat().st_mtime_ns == written
    stamp.write_text("old\n", "utf-8")
    assert refresh(stamp) is True
    assert stamp.read_text("utf-8").strip() == fingerprint()
    # beside it the examples it was taken from (the console's "new examples")
    listed = new_examples.read(stamp.with_name(EXAMPLES_FILE))
    assert listed == {new_examples.digest(e) for e in new_examples.examples(FAQ_DIR)}
    stamp.with_name(EXAMPLES_FILE).unlink()
    assert refresh(stamp) is False and stamp.with_name(EXAMPLES_FILE).exists()
