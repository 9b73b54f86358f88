"""Editing the content files from the web console: the same YAML files the project trains from.

The files stay the source of truth (a diff in git shows every change). Invariants:
* an edit is applied to the file as parsed round-trip (ruamel.yaml): comments, key order,
  quoting, the ``reviewed:``/``sources:`` blocks and ``|-`` answers stay; only values that
  changed are replaced, lists are edited in place (a new example is one added line);
* nothing is written that :func:`jmd.content.faq.check_topics` (``make check-content``'s rules)
  finds a problem in, for the edited topic; an added example may not add any problem;
* a write is atomic (temp file in the same folder, then rename): Rasa, the action server and
  git never see half a file; one writer at a time in this process (:data:`_WRITING`), and a
  form based on an older version of the file is refused (:class:`Conflict`).
"""

from __future__ import annotations

import difflib
import hashlib
import io
import os
import re
import tempfile
import threading
from collections.abc import Callable, Mapping, MutableSequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import LiteralScalarString

from jmd import clock
from jmd.content import offices, organisations, routing
from jmd.content.faq import check_topics
from jmd.shared import safety
from jmd.shared.languages import registry
from jmd.shared.live import reloading
from jmd.shared.normalize import normalize
from jmd.shared.settings import Settings
from jmd.shared.topics import FAQ_PREFIX, ContentError, Topic, load_topic, topic_from_data

TOPIC_NAME = re.compile(r"^[a-z0-9_]+$")
# the layouts of the project's files (mapping, sequence, dash offset): FAQ topics and
# commands.yml indent lists under their key, the other NLU files do not
_LAYOUTS = ((2, 4, 2), (2, 2, 0))
_WRITING = threading.Lock()


class EditError(Exception):
    """An edit cannot be made; the message (German, for the editor) says why."""


class Conflict(EditError):
    """The file changed since the form was opened (another editor, the inbox)."""


@dataclass(frozen=True)
class Files:
    """Where the editors' files are: beside the configured FAQ folder and office file (tests
    point FAQ_DIR and OFFICES_FILE at a copy)."""

    faq_dir: Path
    nlu_dir: Path
    offices: Path
    organisations: Path
    crisis_phrases: Path
    glossary: Path
    routing: Path

    @classmethod
    def of(cls, settings: Settings) -> Files:
        content = settings.offices_file.parent
        return cls(faq_dir=settings.faq_dir, nlu_dir=settings.faq_dir.parent / "nlu",
                   offices=settings.offices_file,
                   organisations=content / "organisations.yml",
                   crisis_phrases=content / "crisis_phrases.yml",
                   glossary=content / "glossary.yml", routing=content / "routing.yml")

    def topic_file(self, name: str) -> Path:
        """The file of topic ``name``; EditError for a name that is no topic file's."""
        path = self.faq_dir / f"{name}.yml"
        if not TOPIC_NAME.match(name) or not path.is_file():
            raise EditError(f"Thema '{name}' gibt es nicht.")
        return path


@dataclass
class TopicForm:
    """What the editor's form holds: per language title, answer and examples; link, buttons."""

    title: dict[str, str] = field(default_factory=dict)
    answer: dict[str, str] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    link: str = ""
    buttons: list[str] = field(default_factory=list)
    reviewed: date | None = None  # shown; not edited but through ``reviewed_today``
    reviewed_today: bool = False  # "I checked the facts today": sets ``reviewed:``
    # a new topic's sources, one "claim | https://…" per line (an existing topic keeps its own)
    sources: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> TopicForm:
        """From the form's fields (``title_de``, ``examples_prs`` one per line, ``buttons``…)."""
        def text(name: str) -> str:
            value = fields.get(name)
            return _lines(value if isinstance(value, str) else "")

        codes = registry().codes
        return cls(
            title={lang: " ".join(text(f"title_{lang}").split()) for lang in codes},
            answer={lang: text(f"answer_{lang}").strip() for lang in codes},
            examples={lang: _list(text(f"examples_{lang}")) for lang in codes},
            link=text("link").strip(),
            buttons=_list(text("buttons")),
            reviewed_today=bool(fields.get("reviewed_today")),
            sources=[_source(line) for line in _list(text("sources"))],
        )

    @classmethod
    def of(cls, topic: Topic) -> TopicForm:
        return cls(title=dict(topic.title), answer=dict(topic.answer),
                   examples={k: list(v) for k, v in topic.examples.items()},
                   link=topic.link or "", buttons=list(topic.buttons),
                   reviewed=topic.reviewed)


def _source(line: str) -> tuple[str, str]:
    claim, _, url = line.rpartition("|")
    return (claim.strip(), url.strip()) if claim else ("", url.strip())


def _lines(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _list(value: str) -> list[str]:
    return [line.strip() for line in value.split("\n") if line.strip()]


def version(path: Path) -> str:
    """A short fingerprint of the file as it is now (the form carries it back)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


# --- round-trip YAML -------------------------------------------------------------------

def _yaml(layout: tuple[int, int, int]) -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line
    mapping, sequence, offset = layout
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _dump(yaml: YAML, data: Any, original: str) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    text = out.getvalue()
    return text if original.endswith("\n") else text.rstrip("\n")


def _load(path: Path) -> tuple[YAML, Any, str]:
    """The file as round-trip data, with the layout that writes it back unchanged."""
    original = path.read_text(encoding="utf-8")
    for layout in _LAYOUTS:
        yaml = _yaml(layout)
        try:
            data = yaml.load(original)
        except YAMLError as error:
            raise EditError(f"{path.name}: kaputtes YAML: {error}".splitlines()[0]) from error
        if _dump(yaml, data, original) == original:
            return yaml, data, original
    raise EditError(f"{path.name}: ungewohntes Format (Einrückung) – bitte in git bearbeiten.")


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` in one step (temp file beside it, then rename)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _edit_list(seq: MutableSequence[Any], new: list[str]) -> None:
    """Make ``seq`` equal ``new`` by inserting and deleting items in place (minimal diff)."""
    old = [str(item).strip() for item in seq]
    operations = difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in reversed(operations):
        if tag == "equal":
            continue
        if tag in ("replace", "insert") and i1 < len(seq) and i2 - i1 == j2 - j1:
            for offset in range(i2 - i1):
                seq[i1 + offset] = new[j1 + offset]
            continue
        del seq[i1:i2]
        for offset, item in enumerate(new[j1:j2]):
            seq.insert(i1 + offset, item)


def _block(doc: CommentedMap, key: str) -> CommentedMap:
    value = doc.get(key)
    if not isinstance(value, CommentedMap):
        value = CommentedMap()
        doc[key] = value
    return value


def _apply(doc: Any, form: TopicForm) -> None:
    """Write the form's values into the round-trip data, touching only what changed."""
    if not isinstance(doc, CommentedMap):
        raise EditError("Die Datei ist keine Themendatei.")
    for key, values in (("title", form.title), ("answer", form.answer)):
        block = _block(doc, key)
        for lang, new in values.items():
            if str(block.get(lang) or "").strip() == new:
                continue
            if not new:
                block.pop(lang, None)
            else:
                block[lang] = LiteralScalarString(new) if key == "answer" else new
    if str(doc.get("link") or "").strip() != form.link:
        if form.link:
            doc["link"] = form.link
        else:
            doc.pop("link", None)
    buttons = doc.get("buttons")
    if not isinstance(buttons, CommentedSeq) and form.buttons:
        buttons = CommentedSeq()
        buttons.fa.set_flow_style()
        doc["buttons"] = buttons
    if isinstance(buttons, CommentedSeq):
        _edit_list(buttons, form.buttons)
    if form.reviewed_today:
        doc["reviewed"] = clock.now().astimezone(clock.BERLIN).date()
    examples = _block(doc, "examples")
    for lang, new_examples in form.examples.items():
        current = examples.get(lang)
        if not isinstance(current, CommentedSeq):
            if not new_examples:
                continue  # nothing there, nothing to write
            current = CommentedSeq()
            examples[lang] = current
        _edit_list(current, new_examples)


# --- topics ----------------------------------------------------------------------------

def topic_names(files: Files) -> list[str]:
    return sorted(path.stem for path in files.faq_dir.glob("*.yml"))


def read_topic(files: Files, name: str) -> tuple[TopicForm, str]:
    """The topic's form values and the file's version."""
    path = files.topic_file(name)
    try:
        topic = load_topic(path)
    except ContentError as error:
        raise EditError(str(error)) from error
    return TopicForm.of(topic), version(path)


# the other topics of a check, read again only after their file changed (a live check
# runs at every pause in typing)
_topic = reloading(load_topic)


def _others(files: Files, name: str) -> list[Topic]:
    others = []
    for path in sorted(files.faq_dir.glob("*.yml")):
        if path.stem != name:
            try:
                others.append(_topic(path))
            except ContentError:
                continue  # that file's own problem, not this edit's
    return others


def _problems(files: Files, edited: Topic) -> list[str]:
    """The checker's problems that concern the edited topic (it goes last: see
    :func:`check_topics`)."""
    where = f"{edited.path.name}:"
    problems = check_topics([*_others(files, edited.name), edited], files.glossary)
    return [p for p in problems if p.startswith(where)]


def _edited(files: Files, name: str,
            change: Callable[[Any], None]) -> tuple[YAML, Any, str, Topic]:
    path = files.topic_file(name)
    yaml, doc, original = _load(path)
    change(doc)
    try:
        topic = topic_from_data(doc, path)
    except ContentError as error:
        raise EditError(str(error)) from error
    return yaml, doc, original, topic


def check_edit(files: Files, name: str, form: TopicForm) -> list[str]:
    """What ``make check-content`` would say about the topic with the form's values."""
    *_, topic = _edited(files, name, lambda doc: _apply(doc, form))
    return _problems(files, topic)


def save_topic(files: Files, name: str, form: TopicForm, based_on: str) -> list[str]:
    """Write the form into the topic file unless the check finds problems (returned, and
    nothing written); Conflict if the file is no longer version ``based_on``."""
    with _WRITING:
        path = files.topic_file(name)
        if version(path) != based_on:
            raise Conflict("Die Datei wurde inzwischen geändert (von jemand anderem oder aus"
                           " dem Eingang). Bitte Seite neu laden; Ihre Änderung ist nicht"
                           " gespeichert.")
        yaml, doc, original, topic = _edited(files, name, lambda doc: _apply(doc, form))
        problems = _problems(files, topic)
        if not problems:
            text = _dump(yaml, doc, original)
            if text != original:
                write_atomically(path, text)
        return problems


def _new_topic(name: str, form: TopicForm) -> CommentedMap:
    """A new topic file's data, in the key order of the existing ones."""
    doc = CommentedMap()
    doc["topic"] = name
    doc["title"] = CommentedMap()
    doc["link"] = ""
    doc["buttons"] = CommentedSeq()
    doc["buttons"].fa.set_flow_style()
    doc["reviewed"] = clock.now().astimezone(clock.BERLIN).date()
    doc["sources"] = CommentedSeq()
    for claim, url in form.sources:
        source = CommentedMap()
        source["claim"], source["url"] = claim, url
        doc["sources"].append(source)
    doc["answer"] = CommentedMap()
    doc["examples"] = CommentedMap()
    _apply(doc, form)
    title = form.title.get(registry().default) or name
    doc.yaml_set_start_comment(f"{title} — edited by JMD content editors")
    return doc


def _new_path(files: Files, name: str) -> Path:
    if not TOPIC_NAME.match(name):
        raise EditError("Der Name eines Themas: nur Kleinbuchstaben, Ziffern und _ (z. B."
                        " „kindergeld“).")
    path = files.faq_dir / f"{name}.yml"
    if path.exists():
        raise EditError(f"Thema '{name}' gibt es schon.")
    return path


def check_new(files: Files, name: str, form: TopicForm) -> list[str]:
    """What ``make check-content`` would say about a new topic with the form's values."""
    path = _new_path(files, name)
    return _problems(files, topic_from_data(_new_topic(name, form), path))


def create_topic(files: Files, name: str, form: TopicForm) -> list[str]:
    """Write a new topic file unless the check finds problems (returned, nothing written)."""
    with _WRITING:
        path = _new_path(files, name)
        doc = _new_topic(name, form)
        problems = _problems(files, topic_from_data(doc, path))
        if not problems:
            write_atomically(path, _dump(_yaml(_LAYOUTS[0]), doc, "\n"))
        return problems


# --- examples from the inbox -----------------------------------------------------------

def _example_text(text: str) -> str:
    example = " ".join(text.split())
    if not example:
        raise EditError("Das Beispiel ist leer.")
    return example


def _language(language: str) -> str:
    if language not in registry().codes:
        raise EditError(f"Unbekannte Sprache '{language}'.")
    return language


def _intent_examples(files: Files) -> dict[str, list[tuple[Path, str]]]:
    """Intent name → (file, examples block) for every intent in the NLU files."""
    found: dict[str, list[tuple[Path, str]]] = {}
    for path in sorted(files.nlu_dir.glob("*.yml")):
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or [] if isinstance(data, dict) else []:
            if isinstance(item, dict) and item.get("intent"):
                found.setdefault(str(item["intent"]), []).append(
                    (path, str(item.get("examples") or "")))
    return found


def _block_examples(block: str) -> list[str]:
    return [line.strip()[2:].strip() for line in block.splitlines()
            if line.strip().startswith("- ")]


def intents(files: Files) -> list[str]:
    """Every intent of the NLU files (besides the FAQ topics), sorted."""
    return sorted(_intent_examples(files))


def targets(files: Files) -> list[str]:
    """What an inbox question can become an example of: ``faq/<topic>`` or an intent."""
    return [f"{FAQ_PREFIX}/{name}" for name in topic_names(files)] + intents(files)


def add_example(files: Files, target: str, language: str, text: str) -> str:
    """Add ``text`` as a ``language`` example of ``target`` (``faq/<topic>`` or an intent)
    and return the file written; EditError (nothing written) if the example is already in
    another topic or intent, or the addition would add a problem to the check."""
    example, language = _example_text(text), _language(language)
    with _WRITING:
        if target.startswith(f"{FAQ_PREFIX}/"):
            return _add_to_topic(files, target.removeprefix(f"{FAQ_PREFIX}/"), language,
                                 example)
        return _add_to_intent(files, target, language, example)


def _already_in_intent(files: Files, example: str, besides: str = "") -> str | None:
    key = normalize(example)
    for intent, places in _intent_examples(files).items():
        if intent != besides and any(key == normalize(e) for _, block in places
                                     for e in _block_examples(block)):
            return intent
    return None


def _add_to_topic(files: Files, name: str, language: str, example: str) -> str:
    path = files.topic_file(name)
    try:
        current = load_topic(path)
    except ContentError as error:
        raise EditError(str(error)) from error
    before = _problems(files, current)
    if any(normalize(example) == normalize(e) for e in current.examples.get(language, [])):
        raise EditError(f"„{example}“ steht schon in Thema '{name}' ({language}).")
    key = normalize(example)
    for other in _others(files, name):
        if any(key == normalize(e) for examples in other.examples.values() for e in examples):
            raise EditError(f"„{example}“ steht schon in Thema '{other.name}'.")
    if intent := _already_in_intent(files, example):
        raise EditError(f"„{example}“ ist schon ein Beispiel von '{intent}'.")

    def append(doc: Any) -> None:
        examples = _block(doc, "examples")
        items = examples.get(language)
        if not isinstance(items, CommentedSeq):
            items = CommentedSeq()
            examples[language] = items
        items.append(example)

    yaml, doc, original, topic = _edited(files, name, append)
    new = [p for p in _problems(files, topic) if p not in before]
    if new:
        raise EditError("Nicht hinzugefügt: " + "; ".join(new))
    write_atomically(path, _dump(yaml, doc, original))
    return path.name


def _add_to_intent(files: Files, intent: str, language: str, example: str) -> str:
    places = _intent_examples(files).get(intent)
    if not places:
        raise EditError(f"Ziel '{intent}' gibt es nicht.")
    key = normalize(example)
    for topic in [*_others(files, "")]:
        if any(key == normalize(e) for examples in topic.examples.values() for e in examples):
            raise EditError(f"„{example}“ steht schon in Thema '{topic.name}'.")
    if other := _already_in_intent(files, example, besides=intent):
        raise EditError(f"„{example}“ ist schon ein Beispiel von '{other}'.")
    if any(key == normalize(e) for _, block in places for e in _block_examples(block)):
        raise EditError(f"„{example}“ ist schon ein Beispiel von '{intent}'.")
    # the language's own file if it has the intent, else the shared one (booking, commands)
    files_with = [path for path, _ in places]
    path = next((p for p in files_with if p.stem == language),
                next((p for p in files_with if p.stem not in registry().codes), files_with[0]))
    yaml, doc, original = _load(path)
    for item in doc.get("nlu") or []:
        if isinstance(item, CommentedMap) and item.get("intent") == intent:
            block = str(item.get("examples") or "")
            if block and not block.endswith("\n"):
                block += "\n"
            item["examples"] = LiteralScalarString(f"{block}- {example}\n")
            break
    write_atomically(path, _dump(yaml, doc, original))
    return path.name


# --- other content files ---------------------------------------------------------------

def check_file(path: Path, text: str, checks: Callable[[Path], list[str]]) -> list[str]:
    """Problems ``checks`` find in ``text`` as the content of ``path`` (checked in a copy of
    the same name in a temporary folder, so messages name the real file; nothing is written
    to ``path``)."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / path.name
        copy.write_text(_lines(text), encoding="utf-8")
        return checks(copy)


def save_file(path: Path, text: str, checks: Callable[[Path], list[str]],
              based_on: str) -> list[str]:
    """Write ``text`` to ``path`` unless ``checks`` find problems (returned; file untouched)."""
    with _WRITING:
        if version(path) != based_on:
            raise Conflict("Die Datei wurde inzwischen geändert. Bitte Seite neu laden; Ihre"
                           " Änderung ist nicht gespeichert.")
        problems = check_file(path, text, checks)
        if not problems:
            write_atomically(path, _lines(text))
        return problems


def data_files(files: Files) -> dict[str, tuple[Path, Callable[[Path], list[str]]]]:
    """The other content files editable as text: name → (file, its checks). Each check is
    the one ``make check-content`` runs, with the file's neighbours as they are on disk."""
    def offices_checks(copy: Path) -> list[str]:
        return offices.check(copy) + organisations.check(files.organisations, copy)

    def organisations_checks(copy: Path) -> list[str]:
        return organisations.check(copy, files.offices) + routing.check(files.routing, copy)

    return {
        "offices": (files.offices, offices_checks),
        "organisations": (files.organisations, organisations_checks),
        "crisis_phrases": (files.crisis_phrases, safety.check),
    }
