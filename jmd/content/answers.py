"""FAQ answers as chat messages: text with office data and link, follow-up buttons, 👍/👎."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jmd.content.offices import render_offices
from jmd.content.routing import render_placeholders
from jmd.shared.languages import in_language
from jmd.shared.live import reloading
from jmd.shared.payloads import payload
from jmd.shared.settings import get_settings
from jmd.shared.topics import FAQ_PREFIX, Topic, load_topics
from jmd.texts import t

# Intents a button may lead to besides FAQ topics (follow-ups, "Did you mean …?");
# their labels are in content/texts/labels.yml.
ACTION_BUTTONS = (
    "book_appointment",
    "list_appointments",
    "cancel_appointment",
    "reschedule_appointment",
    "human_handoff",
)


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Answer:
    text: str
    buttons: tuple[Button, ...]


def topic_payload(name: str, intent: str = FAQ_PREFIX) -> str:
    """``/<intent>{"faq_topic":"<name>"}``: opens (or rates) topic ``name``."""
    # compact (jmd.shared.payloads): even the longest fits Telegram's 64-byte callback data
    return payload(intent, faq_topic=name)


@reloading
def _topics(directory: Path) -> dict[str, Topic]:
    return {topic.name: topic for topic in load_topics(directory)}


def topics_by_name() -> dict[str, Topic]:
    """The FAQ topics by name, as the files are now (an editor's save shows at once)."""
    return _topics(get_settings().faq_dir)


def title(topic: Topic, language: str) -> str:
    return in_language(topic.title, language)


def button_for(target: str, language: str) -> Button | None:
    """A follow-up button: an action (book, talk to a person) or another topic."""
    if target in ACTION_BUTTONS:
        return Button(t(target, language), payload(target))
    topic = topics_by_name().get(target.removeprefix("faq/"))
    return Button(f"💡 {title(topic, language)}", topic_payload(topic.name)) if topic else None


def depends_on_band(topic: Topic) -> bool:
    """Whether the answer routes by need (``{route:…}``): the person's age band may matter."""
    return any("{route:" in text for text in topic.answer.values())


def render(topic: Topic, language: str, band: str | None = None) -> Answer:
    """The answer to ``topic`` in ``language`` (default language if it has none); ``band``
    (the person's age band, if known) picks the organisation of age-dependent routes."""
    text = in_language(topic.answer, language)
    if "{offices}" in text:
        text = text.replace("{offices}", render_offices(language))
    text = render_placeholders(text, language, band)
    if topic.link:
        text = f"{text}\n\n🔗 {t('more', language)}: {topic.link}"
    follow_ups = [b for b in (button_for(t, language) for t in topic.buttons) if b]
    ratings = [
        Button(t("helpful", language), topic_payload(topic.name, "faq_helpful")),
        Button(t("not_helpful", language), topic_payload(topic.name, "faq_not_helpful")),
    ]
    return Answer(text, tuple(follow_ups + ratings))
