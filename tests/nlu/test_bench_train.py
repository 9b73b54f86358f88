"""`make bench-train`'s bookkeeping (the benchmark itself trains: it is not a test)."""

from __future__ import annotations

import tarfile
from io import BytesIO
from pathlib import Path

from jmd.nlu.bench_train import OTHER, _component, report, sizes


def test_component_names() -> None:
    assert _component("train_DIETClassifier3") == "DIETClassifier3"
    assert _component("run_jmd.nlu.linear.LinearVote4") == "LinearVote4"


def test_sizes_per_component(tmp_path: Path) -> None:
    model = tmp_path / "model.tar.gz"
    with tarfile.open(model, "w:gz") as archive:
        for name, size in [("components/train_TEDPolicy2/ted.data", 5000),
                           ("components/train_TEDPolicy2/ted.index", 100),
                           ("metadata.json", 50)]:
            info = tarfile.TarInfo(name)
            info.size = size
            archive.addfile(info, BytesIO(b"x" * size))
    figures = sizes(model)
    assert figures["TEDPolicy2"]["raw"] == 5100
    assert 0 < figures["TEDPolicy2"]["packed"] < 5100
    assert figures[OTHER]["raw"] == 50


def test_report_lists_components_slowest_first() -> None:
    text = report({
        "machine": "2 cores", "config": "config.yml", "date": "2026-11-28",
        "seconds": {"DIETClassifier3": 100.0, "TEDPolicy2": 30.0},
        "sizes": {"TEDPolicy2": {"raw": 2 * 2**20, "packed": 2**20}},
        "train_seconds": 140.0, "model_bytes": 3 * 2**20,
        "load_seconds": 2.5, "first_parse_seconds": 0.1, "warm_up_seconds": 3.0,
    })
    assert text.index("DIETClassifier3") < text.index("TEDPolicy2")
    assert "| TEDPolicy2 | 30.0 | 1.0 | 2.0 |" in text
    assert "**140 s**" in text and "**3.0 MB**" in text and "**2.5 s**" in text
    assert "spaCy's rules, 3.0 s" in text
