"""`make eval`: cross-validated intent and FAQ-topic accuracy, ours vs Rasa's default.

Every example (Rasa's NLU files and the FAQ topic files) gets a label: its intent, or
``faq/<topic>`` for FAQ questions, and a language: the file it comes from (de.yml,
prs.yml, ar.yml, the topic files' language keys) or, for the few mixed examples, the
language detector. k folds by a hash of each text (stable when the data changes): each
pipeline is trained on k-1 parts and predicts the held-out part; a prediction is right
when intent and (for FAQ) topic are right.

Reports per language and per label precision, recall and F1, for the project's pipeline
(config.yml) and for the configuration `rasa init` writes, side by side, in
``reports/eval.md`` and ``reports/eval.json``. A benchmark that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sklearn.metrics import precision_recall_fscore_support

from jmd.nlu.importer import faq_messages, faq_responses
from jmd.shared.languages import registry
from jmd.shared.settings import PROJECT_ROOT
from jmd.shared.topics import FAQ_DIR, FAQ_PREFIX, load_topics

logger = logging.getLogger(__name__)

NLU_DIR = PROJECT_ROOT / "nlu" / "data" / "nlu"
FALLBACK = "nlu_fallback"
# What `rasa init` writes (rasa/cli/initial_project/config.yml): no pipeline, so Rasa
# fills in its default one (rasa/engine/recipes/config_files/default_config.yml).
RASA_INIT_CONFIG = {"recipe": "default.v1", "language": "en", "pipeline": None, "policies": None}


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # intent, or faq/<topic>
    language: str | None


def load_examples(faq_dir: Path = FAQ_DIR) -> list[Example]:
    """All NLU examples with their label and language (the FAQ examples from ``faq_dir``)."""
    from rasa.shared.nlu.training_data.loading import load_data

    langs = registry()
    examples = []
    for path in sorted(NLU_DIR.glob("*.yml")):
        file_language = path.stem if path.stem in langs.codes else None
        for message in load_data(str(path)).intent_examples:
            language = file_language or langs.detect(message.get("text")).language
            examples.append(Example(message.get("text"), message.get("intent"), language))
    for message in faq_messages(load_topics(faq_dir)):
        examples.append(
            Example(message.get("text"), message.get("intent_response_key"),
                    message.get("metadata", {}).get("example", {}).get("language"))
        )
    return examples


def folds(examples: list[Example], k: int, seed: int = 42) -> list[list[Example]]:
    """k disjoint parts; each example's part depends only on its text (and ``seed``).

    So an example stays in its part when others are added, removed or relabelled: figures
    before and after a change of the training data are measured on the same held-out
    sentences (a shuffle per label moved almost every example to another part, which alone
    changed a language's macro-F1 by about 0.01). Identical texts share a part, so none is
    trained on and tested at once. Each label spreads over the parts about evenly.
    """
    parts: list[list[Example]] = [[] for _ in range(k)]
    for example in examples:
        digest = hashlib.sha256(f"{seed}:{example.text}".encode()).digest()
        parts[int.from_bytes(digest[:8], "big") % k].append(example)
    return parts


def _write_training_data(examples: list[Example], directory: Path) -> tuple[Path, Path]:
    """NLU file and domain (with the responses Rasa needs for the retrieval intent)."""
    by_label: dict[str, list[str]] = defaultdict(list)
    for example in examples:
        by_label[example.label].append(example.text)
    nlu = {
        "version": "3.1",
        "nlu": [
            {"intent": label, "examples": "".join(f"- {t}\n" for t in texts)}
            for label, texts in sorted(by_label.items())
        ],
    }
    data_dir = directory / "data"
    data_dir.mkdir()
    nlu_path = data_dir / "nlu.yml"
    nlu_path.write_text(yaml.safe_dump(nlu, allow_unicode=True, sort_keys=False), "utf-8")
    intents = sorted({label.split("/")[0] for label in by_label})
    domain = {
        "version": "3.1",
        "intents": intents,
        "responses": faq_responses(load_topics(FAQ_DIR)),
    }
    domain_path = directory / "domain.yml"
    domain_path.write_text(yaml.safe_dump(domain, allow_unicode=True), "utf-8")
    return data_dir, domain_path


PROJECT_CONFIG = PROJECT_ROOT / "config.yml"


def _pipeline_config(name: str, directory: Path, ours: Path = PROJECT_CONFIG) -> Path:
    if name == "ours":
        config = yaml.safe_load(ours.read_text("utf-8"))
        config.pop("importers", None)  # the fold's data is written out, FAQ included
    else:
        config = dict(RASA_INIT_CONFIG)
    path = directory / f"config-{name}.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    return path


def predicted_label(parse: dict[str, Any]) -> str:
    """Intent, refined to ``faq/<topic>`` by whichever response selector answered.

    As in `rasa test nlu`, a fallback is undone: the classifier's best intent is scored
    (how often the assistant asks back instead is reported separately).
    """
    ranking = [i for i in parse.get("intent_ranking") or [] if i.get("name") != FALLBACK]
    intent = (parse.get("intent") or {}).get("name") or ""
    if intent == FALLBACK and ranking:
        intent = ranking[0]["name"]
    if intent != FAQ_PREFIX:
        return str(intent)
    selectors = parse.get("response_selector") or {}
    for key, value in selectors.items():
        if key != "all_retrieval_intents" and isinstance(value, dict):
            response = value.get("response") or {}
            if response.get("intent_response_key"):
                return str(response["intent_response_key"])
    return intent


async def _predict(model: str, texts: list[str]) -> list[tuple[str, bool]]:
    """Per text: the predicted label, and whether the fallback classifier fired."""
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    results = []
    for text in texts:
        parse = await agent.parse_message(text)
        fell_back = (parse.get("intent") or {}).get("name") == FALLBACK
        results.append((predicted_label(parse), fell_back))
    return results


def run_fold(
    name: str, train: list[Example], test: list[Example], ours: Path = PROJECT_CONFIG
) -> tuple[list[tuple[str, bool]], float]:
    """Train pipeline ``name`` on ``train``; predictions for ``test`` and training seconds."""
    from rasa.model_training import train_nlu

    with tempfile.TemporaryDirectory(prefix="jmd-eval-") as tmp:
        directory = Path(tmp)
        data_dir, domain_path = _write_training_data(train, directory)
        config_path = _pipeline_config(name, directory, ours)
        started = time.monotonic()
        model = train_nlu(str(config_path), str(data_dir), str(directory / "models"),
                          domain=str(domain_path))
        seconds = time.monotonic() - started
        if not model:
            raise RuntimeError(f"training {name} failed")
        return asyncio.run(_predict(model, [e.text for e in test])), seconds


def quick_fold(train: list[Example], test: list[Example]) -> tuple[list[tuple[str, bool]], float]:
    """A stand-in for the real pipeline that trains in seconds (``--quick``).

    Word and character n-gram TF-IDF with a linear SVM, on the same normalised text: close
    to the project's pipeline on this data (±0.05 macro-F1), so editors can see within
    seconds whether new examples help. The report's figures come from the real pipelines.
    """
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    from jmd.nlu.linear import ngram_features
    from jmd.shared.normalize import normalize

    started = time.monotonic()
    model = make_pipeline(ngram_features(), LinearSVC(C=0.5))
    model.fit([normalize(e.text) for e in train], [e.label for e in train])
    predicted = model.predict([normalize(e.text) for e in test])
    return [(str(label), False) for label in predicted], time.monotonic() - started


def scores(examples: list[Example], predictions: list[str]) -> dict[str, Any]:
    """Macro precision/recall/F1 per language and overall, and per-label figures."""
    def macro(pairs: list[tuple[str, str]]) -> dict[str, float]:
        truth = [t for t, _ in pairs]
        guess = [p for _, p in pairs]
        p, r, f, _ = precision_recall_fscore_support(
            truth, guess, labels=sorted(set(truth)), average="macro", zero_division=0
        )
        accuracy = sum(t == g for t, g in pairs) / len(pairs) if pairs else 0.0
        return {"precision": p, "recall": r, "f1": f, "accuracy": accuracy, "n": len(pairs)}

    pairs = list(zip([e.label for e in examples], predictions, strict=True))
    result: dict[str, Any] = {"overall": macro(pairs), "languages": {}, "labels": {}}
    for lang in registry().codes:
        subset = [
            (e.label, p) for e, p in zip(examples, predictions, strict=True) if e.language == lang
        ]
        result["languages"][lang] = macro(subset)
    confusions: dict[tuple[str, str], int] = defaultdict(int)
    for (truth, guess) in pairs:
        if truth != guess:
            confusions[(truth, guess)] += 1
    result["confusions"] = [
        {"label": t, "predicted": g, "count": c}
        for (t, g), c in sorted(confusions.items(), key=lambda item: -item[1])[:25]
    ]
    labels = sorted({e.label for e in examples})
    p, r, f, n = precision_recall_fscore_support(
        [t for t, _ in pairs], [g for _, g in pairs], labels=labels, zero_division=0
    )
    for i, label in enumerate(labels):
        result["labels"][label] = {"precision": p[i], "recall": r[i], "f1": f[i], "n": int(n[i])}
    return result


def _markdown(
    results: dict[str, Any], k: int, total: int, max_folds: int | None = None
) -> str:
    names = list(results)
    partial = (
        f" (only the first {max_folds} of the {k} folds were trained and tested)"
        if max_folds and max_folds < k else ""
    )
    lines = [
        "# NLU evaluation: project pipeline vs Rasa's default",
        "",
        f"{k}-fold cross-validation (folds by a hash of each text) on {total} examples"
        f" (intents and FAQ topics `faq/<topic>`){partial}; generated by `make eval`.",
        "",
        "## Macro-F1 per language",
        "",
        "| language | " + " | ".join(f"{n} F1 | {n} accuracy" for n in names) + " | n |",
        "|---|" + "---|---|" * len(names) + "---|",
    ]
    for lang in [*registry().codes, "overall"]:
        cells = []
        for name in names:
            figures = results[name]["scores"]
            row = figures["overall"] if lang == "overall" else figures["languages"][lang]
            cells.append(f"{row['f1']:.3f} | {row['accuracy']:.3f}")
        first = results[names[0]]["scores"]
        n = (first["overall"] if lang == "overall" else first["languages"][lang])["n"]
        lines.append(f"| {lang} | " + " | ".join(cells) + f" | {n} |")
    lines += ["", "Held-out examples on which the fallback classifier fired (the assistant"
              " asks \"Did you mean …?\" instead; scored above by the best intent, as"
              " `rasa test nlu` does): " + ", ".join(
                  f"{name} {results[name]['fallback_rate']:.1%}" for name in names)]
    lines += ["", "Training time per fold (seconds): " + ", ".join(
        f"{name} {sum(results[name]['seconds']) / len(results[name]['seconds']):.0f}"
        for name in names
    ), "", "## Per intent / topic (F1)", "",
        "| label | " + " | ".join(names) + " | n |", "|---|" + "---|" * len(names) + "---|"]
    for label in sorted(results[names[0]]["scores"]["labels"]):
        figures = [results[n]["scores"]["labels"][label] for n in names]
        lines.append(f"| {label} | " + " | ".join(f"{f['f1']:.3f}" for f in figures)
                     + f" | {figures[0]['n']} |")
    first = names[0]
    lines += ["", f"## Most frequent confusions ({first})", "",
              "| label | predicted instead | count |", "|---|---|---|"]
    lines += [f"| {c['label']} | {c['predicted']} | {c['count']} |"
              for c in results[first]["scores"]["confusions"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "reports")
    parser.add_argument("--pipelines", nargs="+", default=["ours", "rasa-default"],
                        help="ours, rasa-default, quick (a linear model: seconds, not hours)")
    parser.add_argument("--config", type=Path, default=PROJECT_CONFIG,
                        help="pipeline to evaluate as ours (try a variant before adopting it)")
    parser.add_argument("--max-folds", type=int, default=None,
                        help="train and test only the first N of the k folds (a quicker,"
                             " rougher figure while trying variants; the held-out parts"
                             " stay those of k-fold)")
    parser.add_argument("--faq-dir", type=Path, default=FAQ_DIR,
                        help="the FAQ topic files (the console evaluates the files it edits)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    examples = load_examples(args.faq_dir)
    parts = folds(examples, args.folds)
    results: dict[str, Any] = {}
    for name in args.pipelines:
        ordered: list[Example] = []
        predictions: list[str] = []
        fallbacks = 0
        seconds = []
        for i, test in enumerate(parts[: args.max_folds]):
            train = [e for j, part in enumerate(parts) if j != i for e in part]
            print(f"{name}: fold {i + 1}/{args.folds} ({len(train)} train, {len(test)} test)",
                  flush=True)
            predicted, took = (
                quick_fold(train, test) if name == "quick"
                else run_fold(name, train, test, args.config)
            )
            ordered += test
            predictions += [label for label, _ in predicted]
            fallbacks += sum(fell_back for _, fell_back in predicted)
            seconds.append(took)
        results[name] = {
            "scores": scores(ordered, predictions),
            "seconds": seconds,
            "fallback_rate": fallbacks / len(ordered),
            # the held-out questions it got wrong: where editors can add examples
            "errors": [
                {"text": e.text, "language": e.language, "label": e.label, "predicted": p}
                for e, p in zip(ordered, predictions, strict=True) if e.label != p
            ],
        }
        overall = results[name]["scores"]
        print(f"{name}: macro-F1 " + ", ".join(
            f"{lang} {overall['languages'][lang]['f1']:.3f}" for lang in registry().codes
        ) + f", overall {overall['overall']['f1']:.3f}", flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "eval.json").write_text(json.dumps(results, indent=2), "utf-8")
    report = _markdown(results, args.folds, len(examples), args.max_folds)
    (args.out / "eval.md").write_text(report, "utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
