"""Rasa's own checks: data validation and the end-to-end test stories."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from jmd.shared.settings import PROJECT_ROOT, Settings, load_settings

RASA = str(load_settings().rasa_bin)  # the Rasa environment's command


def responses_dispatched_by_actions() -> set[str]:
    """Responses that custom actions send (Rasa cannot see those in stories)."""
    found: set[str] = set()
    # the booking form's ask and retry responses are named in its table of questions
    table = PROJECT_ROOT / "jmd" / "booking" / "questions.py"
    for path in [*(PROJECT_ROOT / "actions").rglob("*.py"), table]:
        found |= set(re.findall(r"\"(utter_\w+)\"", path.read_text()))
    return found


def test_rasa_data_validate_is_clean() -> None:
    result = subprocess.run(
        [RASA, "data", "validate", "--data", "nlu/data", "--config", "config.yml",
         "--domain", "domain.yml"],
        cwd=PROJECT_ROOT, capture_output=True, text=True,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    warnings = [w.strip() for w in re.findall(r"UserWarning: (.*)", output)]
    allowed = {
        f"The utterance '{name}' is not used in any story or rule."
        for name in responses_dispatched_by_actions()
    } | {
        # Rasa adds the retrieval intent `faq` from the NLU data to the domain, which
        # lists it too (rules.yml needs it), and creates `utter_faq`, which the assistant
        # replaces by action_answer_faq (answers with office data, link and buttons).
        "The following duplicated intents have been found across multiple domain files: faq",
        "The utterance 'utter_faq' is not used in any story or rule.",
    }
    assert [w for w in warnings if w not in allowed] == []


@pytest.mark.model
def test_stories(rasa_stack: Settings, model_path: Path, tmp_path: Path) -> None:
    """Every test story in tests/stories/ is predicted exactly."""
    result = subprocess.run(
        [RASA, "test", "core", "--stories", "tests/stories", "--model", str(model_path),
         "--endpoints", "endpoints.yml", "--out", str(tmp_path), "--fail-on-prediction-errors",
         "--no-plot"],
        cwd=PROJECT_ROOT, capture_output=True, text=True,
    )
    failed = (tmp_path / "failed_test_stories.yml")
    details = failed.read_text() if failed.exists() else result.stdout[-3000:]
    assert result.returncode == 0, details
    report = json.loads((tmp_path / "story_report.json").read_text())
    assert report["conversation_accuracy"]["accuracy"] == 1.0, details
