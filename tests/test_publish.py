"""Train and publish (jmd.publish) with a fake ``rasa`` command and fake Rasa HTTP servers.

The real training and loading run in the console's browser test through the real stack
(tests/helpers/stack.py: ``publishable_model``).
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from jmd import new_examples
from jmd.publish import STEPS, Paths, Publisher, Status, progress_of, training_data
from jmd.publish import _lines as lines
from jmd.shared.settings import PROJECT_ROOT, Settings, load_settings
from jmd.training_inputs import fingerprint
from tests.helpers.conversation import new_sender, say
from tests.helpers.domain import response_text
from tests.helpers.publish import (
    NEW_FIGURES,
    NEW_MODEL,
    OLD_FIGURES,
    OLD_MODEL,
    FakeRasaApi,
    add_example,
    fake_rasa_bin,
    publish_environment,
)
from tests.helpers.stack import (
    patched_environ,
    publishable_model,
    running_stack,
    stack_environment,
)

Audit = list[tuple[str, str, str, str]]
EXAMPLE = "میخواهم در پوهنتون درس بخوانم لطفا"


@pytest.fixture
def servers() -> Iterator[list[FakeRasaApi]]:
    first, second = FakeRasaApi(), FakeRasaApi()
    with first.running(), second.running():
        yield [first, second]


@pytest.fixture
def settings(tmp_path: Path, servers: list[FakeRasaApi]) -> Iterator[Settings]:
    with patched_environ(publish_environment(tmp_path, *servers)):
        yield load_settings()


def run(settings: Settings) -> tuple[Status, Audit]:
    audit: Audit = []
    publisher = Publisher(settings, lambda *entry: audit.append(entry))
    assert publisher.start("redakteurin")
    return publisher.wait(), audit


def called(settings: Settings) -> bool:
    return (settings.rasa_bin.parent / "called").exists()


def test_new_examples_are_trained_loaded_everywhere_and_published(
    settings: Settings, servers: list[FakeRasaApi]
) -> None:
    add_example(settings.faq_dir, example=EXAMPLE)
    servers[0].learnt = {EXAMPLE: "faq/study"}
    status, audit = run(settings)
    assert status.state == "done", status.text
    assert status.step == STEPS[-1] and "veröffentlicht" in status.text
    # the added example: missed by the old model, taken in by the new one (first server)
    assert status.added == {"count": 1, "asked": 1, "old": 0, "new": 1}
    assert [(model, text) for model, text in servers[0].parsed] == [
        (OLD_MODEL, EXAMPLE), (NEW_MODEL, EXAMPLE)]
    assert "auf allen 2 Rasa-Servern" in status.text
    paths = Paths(settings.model_file)
    # every server loaded the candidate (its bytes: the new model), nothing else
    for server in servers:
        assert server.loads == [(str(paths.candidate), NEW_MODEL)]
    # what `make run` starts next, with the fingerprint of what it was trained from
    assert settings.model_file.read_bytes() == NEW_MODEL
    assert not paths.candidate.exists()
    assert paths.stamp.read_text().strip() == fingerprint(PROJECT_ROOT, settings.faq_dir)
    assert new_examples.digest(("faq/study", EXAMPLE)) in (
        new_examples.read(paths.examples) or set())
    # make's rule: a model older than its stamp is trained again
    assert settings.model_file.stat().st_mtime_ns >= paths.stamp.stat().st_mtime_ns
    # old figures (stored at the last publish) beside the new ones, stored for next time
    assert status.old == OLD_FIGURES
    assert status.new is not None and status.new["languages"] == NEW_FIGURES
    assert json.loads(paths.figures.read_text())["languages"] == NEW_FIGURES
    assert audit == [("redakteurin", "publish.done", "jmd.tar.gz", status.text)]
    # trained like the Makefile's train target, from the edited copy of the training data
    arguments = (settings.rasa_bin.parent / "called").read_text().split()
    assert arguments[0] == "train" and str(settings.faq_dir.parent) in arguments
    assert arguments[-3:] == ["--fixed-model-name", "jmd-candidate", "--force"]


def test_unchanged_examples_need_no_training(
    settings: Settings, servers: list[FakeRasaApi]
) -> None:
    """An edited answer is live already: nothing is trained or loaded."""
    Paths(settings.model_file).stamp.write_text(
        fingerprint(PROJECT_ROOT, settings.faq_dir) + "\n")
    status, audit = run(settings)
    assert status.state == "done" and "kein Training nötig" in status.text
    assert "veröffentlicht" in status.text
    assert not called(settings)
    assert all(server.loads == [] for server in servers)
    assert settings.model_file.read_bytes() == OLD_MODEL
    assert status.old == status.new == OLD_FIGURES
    assert [entry[1] for entry in audit] == ["publish.done"]


def test_content_with_problems_is_not_trained(
    settings: Settings, servers: list[FakeRasaApi]
) -> None:
    path = settings.faq_dir / "study.yml"
    data = yaml.safe_load(path.read_text("utf-8"))
    del data["answer"]["prs"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    status, audit = run(settings)
    assert status.state == "failed" and status.text.startswith("fehlgeschlagen")
    assert "study.yml: answer missing in 'prs'" in status.text
    assert not called(settings) and all(server.loads == [] for server in servers)
    assert settings.model_file.read_bytes() == OLD_MODEL
    assert audit[0][1] == "publish.failed"


def test_a_failed_training_keeps_the_old_model(
    settings: Settings, servers: list[FakeRasaApi]
) -> None:
    add_example(settings.faq_dir)
    (settings.rasa_bin.parent / "fail").touch()
    status, audit = run(settings)
    assert status.state == "failed" and status.step == "trainieren"
    assert "Code 2" in status.text and "the training data is broken" in status.text
    assert all(server.loads == [] for server in servers)
    assert settings.model_file.read_bytes() == OLD_MODEL
    assert not Paths(settings.model_file).candidate.exists()
    assert not Paths(settings.model_file).stamp.exists()
    assert [entry[1] for entry in audit] == ["publish.failed"]


def test_a_server_that_cannot_load_it_leaves_the_old_model_everywhere(
    settings: Settings, servers: list[FakeRasaApi]
) -> None:
    add_example(settings.faq_dir)
    servers[1].status = 500
    status, _ = run(settings)
    assert status.state == "failed" and status.step == "laden"
    assert "HTTP 500" in status.text and "bisherige Modell bleibt geladen" in status.text
    paths = Paths(settings.model_file)
    # the first server took the new model, then got the old one back
    assert servers[0].loads == [(str(paths.candidate), NEW_MODEL),
                                (str(settings.model_file), OLD_MODEL)]
    assert settings.model_file.read_bytes() == OLD_MODEL
    assert not paths.stamp.exists()
    assert json.loads(paths.figures.read_text()) == OLD_FIGURES


def test_a_wrong_token_is_a_failure_not_a_publish(
    settings: Settings, servers: list[FakeRasaApi]
) -> None:
    add_example(settings.faq_dir)
    for server in servers:
        server.token = "another"
    status, _ = run(settings)
    assert status.state == "failed" and "HTTP 401" in status.text
    assert settings.model_file.read_bytes() == OLD_MODEL


def test_without_figures_it_still_publishes_and_says_so(
    settings: Settings, servers: list[FakeRasaApi]
) -> None:
    add_example(settings.faq_dir)
    (settings.rasa_bin.parent / "eval-fail").touch()
    status, _ = run(settings)
    assert status.state == "done"
    assert status.new is None and status.old == OLD_FIGURES
    assert settings.model_file.read_bytes() == NEW_MODEL
    # the old model's figures are not this model's
    assert not Paths(settings.model_file).figures.exists()


def test_one_run_at_a_time(settings: Settings, servers: list[FakeRasaApi]) -> None:
    add_example(settings.faq_dir)
    hold = settings.rasa_bin.parent / "hold"
    hold.touch()
    publisher = Publisher(settings)
    assert publisher.start("a")
    assert not publisher.start("b"), "a second press while it runs starts nothing"
    assert publisher.status().state == "running" and publisher.status().started_by == "a"
    hold.unlink()
    assert publisher.wait().state == "done"
    assert publisher.start("b"), "once done, it can run again"
    assert publisher.wait().state == "done"


def test_rasa_progress_is_read_from_its_output() -> None:
    output = ("INFO rasa.engine.training.hooks - Starting to train component 'TEDPolicy'.\n"
              "\rEpochs:   0%|          | 0/40 [00:00<?, ?it/s]"
              "\rEpochs:  10%|#         | 4/40 [00:01<00:09, t_loss=1.2]\n")
    found = [progress_of(line, "X") for line in lines(io.StringIO(output))]
    assert [f for f in found if f] == [("TEDPolicy", "TEDPolicy beginnt"),
                                       ("X", "X: Epoche 0/40"), ("X", "X: Epoche 4/40")]


def test_the_folder_the_editor_writes_is_trained_from(tmp_path: Path) -> None:
    assert training_data(PROJECT_ROOT / "nlu" / "data" / "faq") == [
        str(PROJECT_ROOT / "nlu" / "data")]
    # a copy (tests, a second checkout): its topics and the intents the inbox adds beside them
    assert training_data(tmp_path / "data" / "faq") == [str(tmp_path / "data")]


@pytest.mark.model
async def test_the_running_rasa_takes_the_published_model(model_path: Path,
                                                         tmp_path: Path) -> None:
    """Real Rasa, real loading: the stand-in training hands over the trained model; Rasa
    loads it through its HTTP API (token), answers with it, and it is the published file."""
    var = tmp_path / "var"
    env = stack_environment(var)
    published, extra = publishable_model(model_path, var)
    env.update(extra)
    fake = fake_rasa_bin(tmp_path / "bin")
    (fake.parent / "source").write_text(str(model_path))
    add_example(Path(env["FAQ_DIR"]))
    with running_stack(published, env) as stack:
        settings = dataclasses.replace(stack, rasa_bin=fake)  # Rasa itself runs for real
        status, audit = run(settings)
        assert status.state == "done", status.text
        # the added example was put to the running models (Rasa's /model/parse)
        assert status.added is not None and status.added["count"] == 1
        assert status.added["old"] is not None and status.added["new"] is not None
        loaded = httpx.get(f"{stack.rasa_url}/status",
                           params={"token": stack.rasa_api_token}).json()
        assert Path(loaded["model_file"]).name == "jmd-candidate.tar.gz"
        replies = await say(stack, new_sender(), "hallo")
        assert replies and replies[0].text == response_text("utter_greet", "de")
    assert published.read_bytes() == model_path.read_bytes()
    assert Paths(published).stamp.read_text().strip() == fingerprint(PROJECT_ROOT,
                                                                     settings.faq_dir)
    assert [entry[1] for entry in audit] == ["publish.done"]


def test_examples_are_read_from_the_topic_and_nlu_files(tmp_path: Path) -> None:
    faq = tmp_path / "faq"
    faq.mkdir()
    (faq / "study.yml").write_text(
        (PROJECT_ROOT / "nlu" / "data" / "faq" / "study.yml").read_text("utf-8"), "utf-8")
    nlu = tmp_path / "nlu"
    nlu.mkdir()
    (nlu / "x.yml").write_text('version: "3.1"\nnlu:\n- intent: inform\n  examples: |\n'
                               '    - in [Köthen](office) bitte\n'
                               '    - am [Montag]{"entity": "day"}\n- synonym: x\n'
                               '  examples: |\n    - y\n', "utf-8")
    found = new_examples.examples(faq, nlu)
    assert ("inform", "in Köthen bitte") in found and ("inform", "am Montag") in found
    assert ("faq/study", "studieren in deutschland") in found
    assert not any(label == "x" or text == "y" for label, text in found)
    stored = {new_examples.digest(e) for e in found[1:]}
    assert new_examples.added(found, stored) == [found[0]]
    assert new_examples.label_of({"intent": {"name": "faq", "confidence": 0.9},
                                  "response_selector": {"faq": {"ranking": [
                                      {"intent_response_key": "faq/study",
                                       "confidence": 0.8}]}}}) == "faq/study"
