"""`make eval` helpers: examples, folds, labels from parse data, scores.

The evaluation itself trains many models; it is a benchmark (`make eval`), not a test.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from jmd.nlu.evaluation import Example, folds, load_examples, predicted_label, scores


def test_examples_cover_nlu_files_and_faq_topics_with_languages() -> None:
    examples = load_examples()
    labels = {e.label for e in examples}
    assert {"greet", "crisis", "faq/recognition", "faq/work_permit"} <= labels
    languages = Counter(e.language for e in examples)
    assert min(languages[lang] for lang in ("de", "prs", "ar")) > 500
    assert languages[None] < 10  # only the odd command like "/start" has no language


def test_folds_are_disjoint_balanced_and_stable_when_data_changes() -> None:
    examples = [Example(f"t{i}", "a" if i % 3 else "b", "de") for i in range(600)]
    parts = folds(examples, 3)
    assert sorted(e.text for part in parts for e in part) == sorted(e.text for e in examples)
    for part in parts:  # each label about a third in each part
        counts = Counter(e.label for e in part)
        assert 100 <= counts["a"] <= 300 and 50 <= counts["b"] <= 150
    more = folds([*examples, *(Example(f"new {i}", "a", "de") for i in range(50))], 3)
    assert [[e for e in part if not e.text.startswith("new")] for part in more] == parts
    relabelled = folds([Example(e.text, "c", "de") for e in examples], 3)
    assert [[e.text for e in part] for part in relabelled] == [
        [e.text for e in part] for part in parts]


def test_predicted_label_reads_any_response_selector() -> None:
    faq = {"intent": {"name": "faq"},
           "response_selector": {"all_retrieval_intents": ["faq"],
                                 "default": {"response": {"intent_response_key": "faq/study"}}}}
    assert predicted_label(faq) == "faq/study"
    assert predicted_label({"intent": {"name": "greet"}}) == "greet"
    fallback = {"intent": {"name": "nlu_fallback"},
                "intent_ranking": [{"name": "nlu_fallback"}, {"name": "thank"}]}
    assert predicted_label(fallback) == "thank"  # undone, as `rasa test nlu` does


def test_scores_per_language() -> None:
    examples = [Example("a", "x", "de"), Example("b", "y", "de"), Example("c", "x", "ar")]
    result = scores(examples, ["x", "x", "x"])
    assert result["languages"]["ar"]["f1"] == 1.0
    assert result["languages"]["de"]["accuracy"] == 0.5
    assert result["labels"]["y"]["recall"] == 0.0


def test_report_says_when_only_some_folds_ran() -> None:
    from jmd.nlu.evaluation import _markdown

    examples = [Example("a", "x", "de"), Example("b", "y", "ar")]
    result = {"scores": scores(examples, ["x", "y"]), "seconds": [1.0], "fallback_rate": 0.0}
    assert "only the first 1 of the 3 folds" in _markdown({"ours": result}, 3, 2, max_folds=1)
    assert "only the first" not in _markdown({"ours": result}, 3, 2)


def test_quick_evaluation_writes_the_report_in_seconds(tmp_path: Path) -> None:
    """`make eval-quick`: the same folds and report, with the linear stand-in model."""
    import json

    from jmd.nlu.evaluation import main

    assert main(["--pipelines", "quick", "--folds", "3", "--out", str(tmp_path)]) == 0
    report = (tmp_path / "eval.md").read_text("utf-8")
    results = json.loads((tmp_path / "eval.json").read_text("utf-8"))
    for language in ("de", "prs", "ar"):
        assert f"| {language} | " in report
        assert 0.5 < results["quick"]["scores"]["languages"][language]["f1"] <= 1.0
    assert "faq/recognition" in results["quick"]["scores"]["labels"]
