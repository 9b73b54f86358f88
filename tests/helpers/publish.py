"""Stand-ins for "train and publish": a fake ``rasa`` command, a fake Rasa Python for the
quick evaluation, and a fake Rasa HTTP API that loads models (``PUT /model``).

The fake ``rasa train`` prints Rasa's progress lines (component, tqdm epochs with ``\\r``)
and writes ``<out>/<name>.tar.gz``. Files in its folder steer it: ``fail`` (exit 2),
``hold`` (wait until ``hold`` is removed: a run that is still going), ``source`` (the
path of a real model to write instead), ``called`` (it writes this when it ran). The
fake ``python -m jmd.nlu.evaluation`` writes ``eval.json`` with :data:`NEW_FIGURES`, or
fails when ``eval-fail`` exists.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from jmd import new_examples
from jmd.training_inputs import EXAMPLES_FILE
from tests.helpers.content_files import project_copy
from tests.helpers.ports import free_port

NEW_MODEL = b"new model"
OLD_MODEL = b"old model"
NEW_FIGURES = {"de": 0.91, "prs": 0.9, "ar": 0.88}
OLD_FIGURES = {"languages": {"de": 0.9, "prs": 0.85, "ar": 0.87}, "overall": 0.873,
               "examples": 100, "at": "2026-11-01T10:00+00:00", "measure": "eval-quick"}
TOKEN = "publish-api-token"

_RASA = """#!{python}
import sys, time
from pathlib import Path
here = Path(__file__).parent
(here / "called").write_text(" ".join(sys.argv[1:]))
args = sys.argv[1:]
out, name = Path(args[args.index("--out") + 1]), args[args.index("--fixed-model-name") + 1]
print("2026-11-28 INFO rasa.engine.training.hooks - Starting to train component "
      "'FlatDIETClassifier'.", flush=True)
for epoch in range(1, 4):
    sys.stdout.write("\\rEpochs:  %d%%|###   | %d/3 [00:01<00:01]" % (epoch * 33, epoch))
    sys.stdout.flush()
print(flush=True)
while (here / "hold").exists():
    time.sleep(0.05)
if (here / "fail").exists():
    print("ValueError: the training data is broken", flush=True)
    sys.exit(2)
source = here / "source"  # a real model to hand over as the trained one
model = Path(source.read_text()).read_bytes() if source.exists() else {model!r}
(out / (name + ".tar.gz")).write_bytes(model)
"""

_PYTHON = """#!{python}
import json, sys
from pathlib import Path
here = Path(__file__).parent
args = sys.argv[1:]
if args[:2] != ["-m", "jmd.nlu.evaluation"] or (here / "eval-fail").exists():
    sys.exit(1)
out = Path(args[args.index("--out") + 1])
out.mkdir(parents=True, exist_ok=True)
languages = {figures!r}
scores = {{"overall": {{"f1": sum(languages.values()) / 3, "n": 120}},
          "languages": {{lang: {{"f1": f1, "n": 40}} for lang, f1 in languages.items()}}}}
(out / "eval.json").write_text(json.dumps({{"quick": {{"scores": scores}}}}))
"""


def fake_rasa_bin(directory: Path) -> Path:
    """``directory/rasa`` and ``directory/python`` (the fake Rasa environment)."""
    directory.mkdir(parents=True, exist_ok=True)
    rasa, python = directory / "rasa", directory / "python"
    rasa.write_text(_RASA.format(python=sys.executable, model=NEW_MODEL))
    python.write_text(_PYTHON.format(python=sys.executable, figures=NEW_FIGURES))
    rasa.chmod(0o755)
    python.chmod(0o755)
    return rasa


@dataclass
class FakeRasaApi:
    """Rasa's ``PUT /model`` with token auth: records (path, bytes of the file) per load;
    answers ``status`` (204 by default, or e.g. 500 with a message)."""

    token: str = TOKEN
    status: int = 204
    loads: list[tuple[str, bytes]] = field(default_factory=list)
    # what the new model labels right (text -> label); the old one labels nothing right
    learnt: dict[str, str] = field(default_factory=dict)
    parsed: list[tuple[bytes, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.port = free_port()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _body(self, path: str) -> dict[str, Any] | None:
                """The JSON body of an authenticated call to ``path``, else None (answered)."""
                if urlparse(self.path).path != path:
                    self._send(404, {})
                    return None
                if parse_qs(urlparse(self.path).query).get("token") != [api.token]:
                    self._send(401, {"message": "User is not authenticated."})
                    return None
                body: dict[str, Any] = json.loads(
                    self.rfile.read(int(self.headers["Content-Length"])))
                return body

            def do_POST(self) -> None:  # http.server calls it by this name
                body = self._body("/model/parse")
                if body is None:
                    return
                model = api.loads[-1][1] if api.loads and api.status == 204 else OLD_MODEL
                api.parsed.append((model, body["text"]))
                label = api.learnt.get(body["text"]) if model == NEW_MODEL else None
                self._send(200, parse_result(label or "nlu_fallback"))

            def do_PUT(self) -> None:  # http.server calls it by this name
                body = self._body("/model")
                if body is None:
                    return
                path = str(body["model_file"])
                api.loads.append((path, Path(path).read_bytes()))
                self._send(api.status, {} if api.status == 204 else
                           {"message": "An unexpected error occurred. Error: broken"})

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = b"" if status == 204 else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @contextmanager
    def running(self) -> Iterator[FakeRasaApi]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()


def parse_result(label: str) -> dict[str, Any]:
    """Rasa's parse result for ``label`` (an intent, or faq/<topic> via the selector)."""
    intent = label.split("/")[0]
    result: dict[str, Any] = {"intent": {"name": intent, "confidence": 0.9},
                              "intent_ranking": [{"name": intent, "confidence": 0.9}]}
    if "/" in label:
        result["response_selector"] = {"faq": {"ranking": [
            {"intent_response_key": label, "confidence": 0.9}]}}
    return result


def publish_environment(tmp: Path, *servers: FakeRasaApi) -> dict[str, str]:
    """A published old model with its figures, a copy of the project's files
    (:func:`project_copy`: the FAQ files, the intents beside them, ``content/``), the fake
    Rasa environment, and the servers' URLs."""
    models = tmp / "models"
    models.mkdir(parents=True, exist_ok=True)
    (models / "jmd.tar.gz").write_bytes(OLD_MODEL)
    (models / "jmd.figures.json").write_text(json.dumps(OLD_FIGURES))
    faq = Path(project_copy(tmp)["FAQ_DIR"])
    # the old model's examples: those of the files now
    new_examples.write(models / EXAMPLES_FILE, new_examples.examples(faq))
    return {
        "RASA_BIN": str(fake_rasa_bin(tmp / "bin")),
        "MODEL_FILE": str(models / "jmd.tar.gz"),
        "FAQ_DIR": str(faq),
        "RASA_URL": ",".join(server.url for server in servers),
        "RASA_API_TOKEN": TOKEN,
        "JMD_VAR_DIR": str(tmp / "var"),
    }


def add_example(faq_dir: Path, topic: str = "study", language: str = "prs",
                example: str = "میخواهم در پوهنتون درس بخوانم لطفا") -> None:
    """A new training example (the model's inputs change)."""
    import yaml

    path = faq_dir / f"{topic}.yml"
    data = yaml.safe_load(path.read_text("utf-8"))
    data["examples"][language].append(example)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
