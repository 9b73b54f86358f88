"""Train and publish (the web console's button): check, train, measure, load, publish.

One job at a time (:class:`Publisher`), in a thread of the console process:

1. **prüfen** — the FAQ topic files must pass ``jmd.content.faq.check``;
2. if the fingerprint of the model's inputs (:mod:`jmd.training_inputs`) is the one the
   published model was trained from, nothing needs training (answers, titles, links, office
   data are live already: README "Edits without training") and the job is done;
3. **trainieren** — ``rasa train`` with the Makefile's arguments into a candidate file
   beside the published model (epochs parsed from Rasa's progress bars);
4. **auswerten** — a quick figure of the data the candidate was trained from: the
   cross-validation of ``make eval-quick`` (linear stand-in model, seconds), per language;
   and the examples added since the old model (:mod:`jmd.new_examples`): how many of
   them the running old model labels right;
5. **laden** — ``PUT /model`` on every Rasa server (Rasa's HTTP API, its token); then
   how many of the added examples the new model labels right;
6. **veröffentlicht** — the candidate atomically replaces the published model (what
   ``make run`` starts next), with the fingerprint, the examples' list and the figures
   beside it.

Invariants:
* on any failure the old model stays loaded everywhere (servers that already took the
  candidate are given the old model back) and stays the published file; the candidate is
  removed;
* the fingerprint file is written only after the model it describes is published, and it
  is the fingerprint taken *before* training: an edit during training means another run;
  the model is then touched, so make (which compares the two files' times) does not
  retrain it at the next ``make run``;
* figures are stored beside the model (``<model>.figures.json``): the old model's figures
  are the ones measured when it was published.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO, Any

import httpx

from jmd import new_examples
from jmd.clock import now
from jmd.content.faq import check
from jmd.shared.settings import PROJECT_ROOT, Settings
from jmd.training_inputs import EXAMPLES_FILE, fingerprint

logger = logging.getLogger(__name__)

STEPS = ("prüfen", "trainieren", "auswerten", "laden", "veröffentlicht")
# what the figures are, said on the page next to them
MEASURE = ("Schnellmessung: Makro-F1 einer 3-fachen Kreuzvalidierung mit dem linearen"
           " Ersatzmodell von make eval-quick auf den Trainingsdaten des jeweiligen Modells."
           " Sie zeigt, wie gut die Beispiele die Themen trennen – nicht die Messung des"
           " trainierten Modells selbst (dafür make eval, etwa 8 Minuten).")
FOLDS = 3
# Rasa's progress: "Starting to train component 'X'." and tqdm's "Epochs:  30%|… | 3/10 …"
_COMPONENT = re.compile(r"Starting to train component '(\w+)'")
_EPOCH = re.compile(r"Epochs:\s+\d+%.*?\|\s*(\d+)/(\d+)")
TRAIN_SECONDS = 3600
LOAD_SECONDS = 600


class PublishError(Exception):
    """The job stops; the message is shown to the editor after "fehlgeschlagen"."""


@dataclass(frozen=True)
class Paths:
    """The published model and what lies beside it."""

    model: Path

    @property
    def candidate(self) -> Path:
        return self.model.with_name("jmd-candidate.tar.gz")

    @property
    def stamp(self) -> Path:
        return self.model.parent / ".training-inputs"

    @property
    def examples(self) -> Path:
        return self.model.parent / EXAMPLES_FILE

    @property
    def figures(self) -> Path:
        return self.model.with_name(self.model.name.removesuffix(".tar.gz") + ".figures.json")


@dataclass
class Status:
    """What the page shows: state (idle | running | done | failed), step, progress, figures."""

    state: str = "idle"
    step: str = ""
    text: str = ""
    progress: str = ""
    started_by: str = ""
    started_at: str = ""
    finished_at: str = ""
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None
    # the examples added since the old model: {"count", "asked", "old", "new"} (right ones)
    added: dict[str, int | None] | None = None
    steps: tuple[str, ...] = field(default=STEPS)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def read_figures(path: Path) -> dict[str, Any] | None:
    """Stored figures (``{"languages": {lang: f1}, "overall": f1, "examples", "at"}``)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, path)


def training_data(faq_dir: Path) -> list[str]:
    """``--data`` of ``rasa train``: the folder the FAQ topics are in (``nlu/data``), with
    the intents' files beside them, where the console's inbox adds examples too."""
    return [str(faq_dir.parent)]


def train_command(settings: Settings, out: Path, name: str) -> list[str]:
    """The Makefile's ``train`` target, into ``out/name.tar.gz``."""
    return [str(settings.rasa_bin), "train", "--data", *training_data(settings.faq_dir),
            "--config", str(PROJECT_ROOT / "config.yml"),
            "--domain", str(PROJECT_ROOT / "domain.yml"),
            "--out", str(out), "--fixed-model-name", name, "--force"]


def evaluate_command(settings: Settings, out: Path) -> list[str]:
    """``make eval-quick`` on the FAQ files the console edits, reports into ``out``."""
    return [str(settings.rasa_bin.parent / "python"), "-m", "jmd.nlu.evaluation",
            "--pipelines", "quick", "--folds", str(FOLDS), "--faq-dir", str(settings.faq_dir),
            "--out", str(out)]


def _environment() -> dict[str, str]:
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


def _lines(stream: IO[str]) -> Any:
    """Lines of ``stream``, split at ``\\n`` and at tqdm's ``\\r``."""
    buffer = ""
    while chunk := stream.read(256):
        buffer += chunk
        *complete, buffer = re.split(r"[\r\n]", buffer)
        yield from complete
    if buffer:
        yield buffer


def progress_of(line: str, component: str) -> tuple[str, str] | None:
    """(component, progress text) when ``line`` is Rasa progress, else None."""
    started = _COMPONENT.search(line)
    if started:
        return started.group(1), f"{started.group(1)} beginnt"
    epoch = _EPOCH.search(line)
    if epoch:
        return component, f"{component or 'Training'}: Epoche {epoch.group(1)}/{epoch.group(2)}"
    return None


class Publisher:
    """The train-and-publish job of one console process (one run at a time)."""

    def __init__(self, settings: Settings,
                 audit: Callable[[str, str, str, str], None] | None = None) -> None:
        self.settings = settings
        self.paths = Paths(settings.model_file)
        self._audit = audit or (lambda *_: None)
        self._lock = threading.Lock()
        self._status = Status()
        self._thread: threading.Thread | None = None

    # -- what the page reads -------------------------------------------------------------
    def status(self) -> Status:
        with self._lock:
            status = replace(self._status)
        if status.state == "idle":  # nothing run since the console started: the figures
            status.old = read_figures(self.paths.figures)  # of the model in use
        return status

    def _update(self, **changes: Any) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)

    # -- the job --------------------------------------------------------------------------
    def start(self, username: str) -> bool:
        """Start the job; False when one is running already."""
        with self._lock:
            if self._status.state == "running":
                return False
            self._status = Status(state="running", step=STEPS[0], text="Inhalte prüfen …",
                                  started_by=username, started_at=now().isoformat())
            self._thread = threading.Thread(target=self._run, args=(username,),
                                            name="publish", daemon=True)
            self._thread.start()
        return True

    def wait(self, timeout: float | None = None) -> Status:
        """Until the running job ends (tests, shutdown)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.status()

    def _run(self, username: str) -> None:
        try:
            detail = self._publish()
        except PublishError as error:
            self._finish("failed", f"fehlgeschlagen: {error}")
            self._audit(username, "publish.failed", self.paths.model.name, str(error)[:500])
        except Exception as error:  # the page must end, whatever happened
            logger.exception("train and publish failed")
            self._finish("failed", f"fehlgeschlagen: interner Fehler ({type(error).__name__})")
            self._audit(username, "publish.failed", self.paths.model.name,
                        type(error).__name__)
        else:
            self._finish("done", detail)
            self._audit(username, "publish.done", self.paths.model.name, detail[:500])
        finally:
            self.paths.candidate.unlink(missing_ok=True)

    def _finish(self, state: str, text: str) -> None:
        with self._lock:
            step = STEPS[-1] if state == "done" else self._status.step
            self._status = replace(self._status, state=state, text=text, progress="",
                                   step=step, finished_at=now().isoformat())

    def _publish(self) -> str:
        """The steps; the text shown when it is done (raises :class:`PublishError`)."""
        settings, paths = self.settings, self.paths
        problems = check(settings.faq_dir)
        if problems:
            shown = "; ".join(problems[:3]) + (f" (und {len(problems) - 3} weitere)"
                                                if len(problems) > 3 else "")
            raise PublishError(f"Die Inhalte haben Fehler: {shown}")
        inputs = fingerprint(PROJECT_ROOT, settings.faq_dir)
        found = new_examples.examples(settings.faq_dir)
        old = read_figures(paths.figures)
        self._update(old=old)
        published = paths.stamp.read_text("utf-8").strip() if paths.stamp.exists() else ""
        if published == inputs and paths.model.exists():
            if not paths.examples.exists():  # the same examples the model was trained from
                new_examples.write(paths.examples, found)
            self._update(new=old)
            return ("veröffentlicht – kein Training nötig: die Beispiele sind unverändert."
                    " Antworten, Titel, Links und Stellendaten sind schon live.")

        self._update(step="trainieren", text="Modell trainieren (einige Minuten) …")
        paths.model.parent.mkdir(parents=True, exist_ok=True)
        paths.candidate.unlink(missing_ok=True)
        self._train()
        if not paths.candidate.exists():
            raise PublishError("rasa train hat kein Modell geschrieben")

        self._update(step="auswerten", text="Zahlen messen (Schnellmessung) …", progress="")
        new = self._evaluate()
        self._update(new=new)

        stored = new_examples.read(paths.examples)
        asked = new_examples.added(found, stored) if stored is not None else []
        if stored is not None:
            count = sum(new_examples.digest(e) not in stored for e in found)
            self._update(added={"count": count, "asked": len(asked),
                                "old": self._recognised(asked), "new": None})

        self._update(step="laden", text="Neues Modell in Rasa laden …", progress="")
        self._load_everywhere()
        if stored is not None and self._status.added is not None:
            self._update(added={**self._status.added, "new": self._recognised(asked)})

        os.replace(paths.candidate, paths.model)
        _write_atomically(paths.stamp, inputs + "\n")
        new_examples.write(paths.examples, found)
        # newer than the stamp, as after `make train`: make sees no reason to train again
        os.utime(paths.model)
        if new is not None:
            _write_atomically(paths.figures, json.dumps(new, indent=2))
        else:  # no figures of this model: the old ones would be mistaken for its
            paths.figures.unlink(missing_ok=True)
        servers = len(settings.rasa_urls)
        where = "auf dem Rasa-Server" if servers == 1 else f"auf allen {servers} Rasa-Servern"
        return (f"veröffentlicht: das neue Modell antwortet jetzt {where} und wird beim"
                " nächsten Start geladen.")

    def _train(self) -> None:
        command = train_command(self.settings, self.paths.model.parent,
                                self.paths.candidate.name.removesuffix(".tar.gz"))
        tail: list[str] = []
        try:
            process = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=_environment(), stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, errors="replace")
        except OSError as error:
            raise PublishError(f"rasa train startet nicht: {error}") from error
        assert process.stdout is not None
        component = ""
        timer = threading.Timer(TRAIN_SECONDS, process.kill)
        timer.start()
        try:
            for line in _lines(process.stdout):
                if line.strip():
                    tail = [*tail[-19:], line.strip()]
                found = progress_of(line, component)
                if found:
                    component, text = found
                    self._update(progress=text)
            code = process.wait()
        finally:
            timer.cancel()
        if code != 0:
            logger.warning("rasa train failed (%s): %s", code, "\n".join(tail))
            last = next((line for line in reversed(tail) if "Error" in line), tail[-1] if tail
                        else "")
            raise PublishError(f"rasa train ist mit Code {code} abgebrochen: {last[-300:]}")

    def _evaluate(self) -> dict[str, Any] | None:
        """The quick figures of the data just trained from, or None (the job goes on: the
        figures inform, they do not decide)."""
        with tempfile.TemporaryDirectory(prefix="jmd-publish-") as tmp:
            try:
                subprocess.run(evaluate_command(self.settings, Path(tmp)), cwd=PROJECT_ROOT,
                               env=_environment(), capture_output=True, timeout=900,
                               check=True)
                scores = json.loads((Path(tmp) / "eval.json").read_text("utf-8"))
                scores = scores["quick"]["scores"]
            except (OSError, ValueError, KeyError, subprocess.SubprocessError):
                logger.warning("quick evaluation failed", exc_info=True)
                return None
        return {
            "languages": {lang: round(float(v["f1"]), 4)
                          for lang, v in scores["languages"].items()},
            "overall": round(float(scores["overall"]["f1"]), 4),
            "examples": int(scores["overall"]["n"]),
            "at": now().isoformat(timespec="minutes"),
            "measure": "eval-quick",
        }

    def _recognised(self, asked: list[new_examples.Example]) -> int | None:
        """How many of ``asked`` the loaded model (first server) labels right; None when
        it cannot be asked (the figure informs, it does not decide)."""
        token = self.settings.rasa_api_token
        if not asked or not token:
            return 0 if not asked else None
        try:
            return new_examples.recognised(self.settings.rasa_urls[0], token, asked)
        except (httpx.HTTPError, ValueError):
            logger.warning("could not ask Rasa about the new examples", exc_info=True)
            return None

    def _load_everywhere(self) -> None:
        """The candidate into every Rasa server; on a failure the old model back into those
        that took it."""
        loaded: list[str] = []
        for url in self.settings.rasa_urls:
            problem = self._load(url, self.paths.candidate)
            if problem is None:
                loaded.append(url)
                continue
            for done in loaded:
                if self._load(done, self.paths.model) is not None:
                    logger.error("could not load the old model back into %s", done)
            raise PublishError(f"{url}: {problem}. Das bisherige Modell bleibt geladen.")

    def _load(self, url: str, model: Path) -> str | None:
        """``PUT /model`` on one server; None when it worked, else why not."""
        token = self.settings.rasa_api_token
        if not token:
            return "kein RASA_API_TOKEN: Rasas HTTP-API ist für die Konsole nicht freigegeben"
        try:
            response = httpx.put(f"{url}/model", params={"token": token},
                                 json={"model_file": str(model.resolve())},
                                 timeout=LOAD_SECONDS)
        except httpx.HTTPError as error:
            return f"Rasa nicht erreichbar ({type(error).__name__})"
        if response.status_code == 204:
            return None
        try:
            message = str(response.json().get("message", ""))[:300]
        except ValueError:
            message = ""
        return f"Rasa hat das Modell nicht geladen (HTTP {response.status_code}) {message}".strip()
