"""`make bench-train`: what training costs, per component, and what the model weighs.

Trains the project's model once, from scratch (an empty training cache), and reports per
graph component (featurizers, classifiers, policies) the seconds it spent (training plus
processing the training data) and the bytes it adds to the packed model, then the whole
training time, the packed model's size and how long loading it takes in a fresh process.
A benchmark that prints figures (also to ``reports/bench-train.{md,json}``), not a test.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from jmd.shared.settings import PROJECT_ROOT

OTHER = "data loading, validation, packing"
# in a fresh process: import Rasa, then time loading the model and a first parse
LOAD_SNIPPET = """
import asyncio, json, sys, time
from rasa.core.agent import Agent
from jmd.nlu.tokenizer import _warm_up
started = time.monotonic()
_warm_up()  # the language detector and spaCy's rules: the process's, not the model's
warm_up = time.monotonic() - started
started = time.monotonic()
agent = Agent.load(sys.argv[1])
loaded = time.monotonic() - started
started = time.monotonic()
asyncio.run(agent.parse_message("Hallo, ich suche eine Ausbildung"))
print(json.dumps({"load_seconds": loaded, "warm_up_seconds": warm_up,
                  "first_parse_seconds": time.monotonic() - started}))
"""


def _component(node_name: str) -> str:
    """``train_DIETClassifier3`` / ``run_jmd.nlu.linear.LinearVote4`` → ``DIETClassifier3`` /
    ``LinearVote4`` (the number tells two featurizers of one class apart)."""
    return re.sub(r"^(train|run)_", "", node_name).rsplit(".", 1)[-1]


def timed_training(config: Path, out: Path) -> tuple[Path, dict[str, float], float]:
    """Trains once with every graph node timed; the model, seconds per component, total."""
    from rasa.engine.graph import GraphNode
    from rasa.model_training import train

    seconds: dict[str, float] = defaultdict(float)
    original = GraphNode.__call__

    def timed(self: GraphNode, *args: Any) -> Any:
        started = time.monotonic()
        try:
            return original(self, *args)
        finally:
            name = self._node_name
            key = _component(name) if name.startswith(("train_", "run_")) else OTHER
            seconds[key] += time.monotonic() - started

    GraphNode.__call__ = timed  # type: ignore[method-assign]
    started = time.monotonic()
    try:
        result = train(
            domain=str(PROJECT_ROOT / "domain.yml"), config=str(config),
            training_files=str(PROJECT_ROOT / "nlu" / "data"), output=str(out),
            fixed_model_name="bench", force_training=True,
        )
    finally:
        GraphNode.__call__ = original  # type: ignore[method-assign]
    total = time.monotonic() - started
    if not result.model:
        raise RuntimeError(f"training failed (code {result.code})")
    return Path(result.model), dict(seconds), total


def sizes(model: Path) -> dict[str, dict[str, int]]:
    """Bytes per component in the archive: unpacked, and gzip-compressed as Rasa packs."""
    raw: dict[str, int] = defaultdict(int)
    packed: dict[str, int] = defaultdict(int)
    with tarfile.open(model, "r:gz") as archive:
        for member in archive.getmembers():
            if not member.isfile():
                continue
            parts = Path(member.name).parts
            key = _component(parts[1]) if len(parts) > 2 and parts[0] == "components" else OTHER
            data = archive.extractfile(member)
            content = data.read() if data else b""
            raw[key] += len(content)
            packed[key] += len(gzip.compress(content, compresslevel=9))
    return {key: {"raw": raw[key], "packed": packed[key]} for key in raw}


def load_time(model: Path) -> dict[str, float]:
    """Seconds to load the model (after Rasa is imported), for the language detector and
    spaCy's rules (once per process; the Rasa server loads them in the background while the
    model loads), and for the first parse."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", LOAD_SNIPPET, str(model)], env=env,
                          capture_output=True, text=True, check=True)
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def report(figures: dict[str, Any]) -> str:
    mb = 1024 * 1024
    lines = [
        "# Training benchmark",
        "",
        f"`make bench-train` on {figures['machine']}, config `{figures['config']}`, "
        f"{figures['date']}.",
        "",
        "| component | seconds | packed MB | unpacked MB |",
        "| --- | ---: | ---: | ---: |",
    ]
    names = sorted(set(figures["seconds"]) | set(figures["sizes"]),
                   key=lambda n: -figures["seconds"].get(n, 0.0))
    for name in names:
        size = figures["sizes"].get(name, {"raw": 0, "packed": 0})
        lines.append(f"| {name} | {figures['seconds'].get(name, 0.0):.1f} | "
                     f"{size['packed'] / mb:.1f} | {size['raw'] / mb:.1f} |")
    lines += [
        "",
        f"- whole training: **{figures['train_seconds']:.0f} s**",
        f"- packed model: **{figures['model_bytes'] / mb:.1f} MB**",
        f"- loading it (fresh process, Rasa imported): **{figures['load_seconds']:.1f} s**;"
        f" first parse {figures['first_parse_seconds']:.2f} s",
        f"- once per process, not part of the model: the language detector's statistics and"
        f" spaCy's rules, {figures.get('warm_up_seconds', 0.0):.1f} s (the Rasa server loads"
        f" them in the background while it loads the model)",
        "",
        "Component seconds include processing the training data for the components after it;"
        " the rows do not add up to the total exactly (graph bookkeeping).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=PROJECT_ROOT / "config.yml")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "reports")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="jmd-bench-") as tmp:
        # an empty cache: every component really trains
        os.environ["RASA_CACHE_DIRECTORY"] = str(Path(tmp) / "cache")
        model, seconds, total = timed_training(args.config, Path(tmp) / "models")
        figures: dict[str, Any] = {
            "config": str(args.config.relative_to(PROJECT_ROOT)
                          if args.config.is_relative_to(PROJECT_ROOT) else args.config),
            "date": time.strftime("%Y-%m-%d"),
            "machine": f"{os.cpu_count()} cores",
            "seconds": seconds,
            "train_seconds": total,
            "sizes": sizes(model),
            "model_bytes": model.stat().st_size,
            **load_time(model),
        }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench-train.json").write_text(json.dumps(figures, indent=2), "utf-8")
    text = report(figures)
    (args.out / "bench-train.md").write_text(text, "utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
