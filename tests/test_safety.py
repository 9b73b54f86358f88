"""The crisis safety net: the matcher, its data file, the NLU component and the whole stack.

Both directions: every crisis message gets the emergency numbers first (recall), and
everyday sentences that only look similar do not (precision).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from telegram.ext import Application

from jmd.db.engine import session_scope
from jmd.db.pending import pending_of
from jmd.identity import pseudonym
from jmd.shared.languages import registry
from jmd.shared.normalize import normalize
from jmd.shared.safety import (
    PHRASES_FILE,
    CrisisMatcher,
    Phrase,
    PhraseError,
    check,
    crisis_match,
    examples,
    is_crisis,
    sentences,
)
from jmd.shared.settings import PROJECT_ROOT, Settings
from jmd.texts import t
from tests.helpers.bot_api import BotApiStandIn
from tests.helpers.conversation import new_sender, say
from tests.helpers.domain import response_text
from tests.helpers.ports import free_port
from tests.test_bot import front_env, running_front, wait_for_message, wait_for_text

LANGUAGES = ("de", "prs", "ar")
CODE = {"de": "de", "prs": "fa", "ar": "ar"}


def nlu_crisis_examples() -> dict[str, list[str]]:
    """The `crisis` examples the classifier is trained on, per language."""
    found: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        data = yaml.safe_load((PROJECT_ROOT / "nlu" / "data" / "nlu" / f"{lang}.yml").read_text())
        for item in data["nlu"]:
            if item.get("intent") == "crisis":
                found.setdefault(lang, []).extend(
                    line.strip()[2:].strip() for line in item["examples"].splitlines()
                    if line.strip().startswith("- ")
                )
    return found


# Beyond the training examples and the file's own lists: how young people actually write
# it — no umlauts, typos, dialect, glued or spaced Dari prefixes, emoji, several sentences.
MORE_CRISIS = {
    "de": [
        "ich will nicht mehr leben",
        "mein vater schlägt mich",
        "ritzen",
        "ich ritz mich jeden abend",
        "Ich will einfach nur sterben.",
        "ich wünschte ich wäre tot",
        "keine lust mehr zu leben ehrlich",
        "mein bruder verprügelt mich",
        "ich wurde vergewaltigt",
        "mein onkel hat mich angefasst",
        "sie zwingen mich meinen cousin zu heiraten",
        "hallo. ich kann nicht mehr.",
        "Ich weiß nicht weiter 😭 ich will mich umbringen",
        "ich halte es nicht mehr aus",
        "mein ex bedroht mich",
        "ich habe angst vor meinem stiefvater",
        # first written as a held-out list (11 of 15 caught), then phrases added
        "ich hab keine kraft mehr zu leben",
        "am liebsten würde ich einfach verschwinden",
        "ich denke oft daran mich umzubringen",
        "mein papa hat mich wieder geschlagen",
        "zuhause schlagen sie mich immer",
        "ich schneide mich manchmal",
        "mein bruder droht mich umzubringen",
        "ich will mein leben beenden",
        "ich mag nicht mehr leben",
        "ein mann aus dem heim hat mich vergewaltigt",
        "ich werde zuhause eingesperrt",
        "ich will nicht mehr aufwachen",
        "ich hab tabletten geschluckt",
        "mein freund schlägt mich wenn er betrunken ist",
        "meine eltern zwingen mich zu heiraten",
    ],
    "prs": [
        "میخواهم خودکشی کنم",
        "خودمه بکشم",
        "میخایم خودکشی کنم",
        "دیگه نمی خواهم زنده باشم",
        "پدرم مرا میزنه",
        "برادرم هر روز مرا لت میکنه",
        "مرا مجبور به ازدواج میکنن",
        "کسی مرا تهدید میکنه که میکشه",
        "دستمه با تیغ بریدم",
        "ميخايم بميرم",
        # held-out list: 8 of 10 caught before phrases were added
        "دلم میخواهد بمیرم",
        "دیگه طاقت زندگی ره ندارم",
        "میخوام خودم را بکشم",
        "پدرم هر شب مرا لت و کوب میکند",
        "شوهرم مرا تهدید میکنه",
        "خانواده ام میخواهند مرا به زور شوهر بدهند",
        "بعضی وقت ها خودم را زخمی میکنم",
        "یک نفر به من دست درازی کرد",
        "زندگی برایم هیچ ارزشی ندارد",
        "از پدرم خیلی میترسم",
    ],
    "ar": [
        "بدي موت",
        "ابي انتحر",
        "بدي انتحر",
        "بدي اموت خلص",
        "ابوي يضربني",
        "ما بدي عيش بعد اليوم",
        "عايزه اموت",
        "افكر بالانتحار",
        "اخوي بيضربني كل يوم",
        "بدهم يزوجوني غصب عني",
        "حدا عم يهددني",
        "جرحت حالي",
        "اريد انهي حياتي",
        # held-out list: 8 of 10 caught before phrases were added
        "بدي اقتل نفسي",
        "صار لي فترة بفكر بالانتحار",
        "ابي يضربني انا واخواتي",
        "زوج امي بيتحرش فيني",
        "اهلي بدهم يزوجوني وانا عمري ١٥",
        "ما عاد بدي عيش بهالدنيا",
        "بجرح حالي كل ليلة",
        "حدا هددني بالسكين",
        "حاسس انه ما في داعي اعيش",
        "خايفة ارجع عالبيت ابوي رح يقتلني",
    ],
}

NOT_CRISIS = {
    "de": [
        "Ich habe Angst vor der Prüfung",
        "mein Handy ist tot",
        "Termin absagen",
        "ich will meinen termin absagen bitte",
        "ich kann nicht mehr kommen, mein bus fällt aus",
        "ich sterbe vor hunger lol",
        "mein handy akku ist schon wieder tot",
        "wie lange dauert die ausbildung zum mechaniker",
        "meine mutter hat angst vor der prüfung",
        "ich habe mir beim fußball das knie verletzt",
        "ich will nicht mehr warten, wann ist mein termin?",
        "die hitze ist tödlich",
        "kannst du mir bei der bewerbung helfen",
        "ich möchte mit einem berater sprechen",

        # written as a held-out list: none of these was recognised
        "ich habe morgen prüfung und bin total nervös",
        "mein vater will dass ich eine ausbildung mache",
        "meine mutter ist krank, kann ich den termin verschieben",
        "ich habe keine lust mehr auf den deutschkurs",
        "wie lange muss ich auf die anerkennung warten",
        "ich wohne in einem heim in dessau",
        "mein bruder hat einen job gefunden",
        "ich bin müde von der arbeit",
        "kann man sich selbst anmelden?",
        "ich will nicht mehr in dieser wg wohnen",
        "das leben in deutschland ist teuer",
        "ich habe mich beworben aber keine antwort",
        "mein chef schreit mich an",
        "ich habe angst vor dem vorstellungsgespräch",
        "ich muss zum zahnarzt, tut weh",
        "kannst du mir schnell helfen",
        "ich brauche hilfe beim lebenslauf",
        "der kurs bringt mir nichts",
        "meine freundin ist schwanger, was nun?",
        "ich habe das visum verloren",
        "ich bin gestern hingefallen",
    ],
    "prs": [
        "از امتحان میترسم",
        "مبایلم مرده",
        "وقتمه کنسل کو",
        "میخواهم یک وقت بگیرم",
        "در مورد آموزش حرفه‌ای سوال دارم",
        "دوستم به من زنگ میزنه",
        "میخواهم کورس زبان بروم",

        # written as a held-out list: none of these was recognised
        "فردا امتحان دارم و خیلی ترس دارم",
        "پدرم میخواهد که من درس بخوانم",
        "مادرم مریض است",
        "از کورس خسته شدم",
        "میخواهم کار کنم",
        "برادرم در آلمان زندگی میکنه",
        "یک خانه برای زندگی پیدا نمیکنم",
        "خیلی خسته هستم",
        "کمک میخواهم برای رزومه",
        "خودم رفتم به اداره",
    ],
    "ar": [
        "بدي موعد",
        "بدي الغي الموعد",
        "الامتحان صعب موت",
        "بدي اشتغل بالمانيا",
        "شو الاوراق المطلوبة للتدريب المهني",
        "ابوي بدو يعرف عن الكورس",
        "قتلني الضحك",

        # written as a held-out list: none of these was recognised
        "عندي امتحان بكرة وانا متوتر",
        "ابوي بدو ياني ادرس",
        "امي مريضة بدي غير الموعد",
        "زهقت من الكورس",
        "بدي شغل بسرعة",
        "اخوي عايش بالمانيا",
        "ما لقيت بيت",
        "تعبان كتير من الشغل",
        "ساعدني بالسيرة الذاتية",
        "بدي اتعلم الماني بسرعة",
    ],
}


def crisis_cases() -> dict[str, list[str]]:
    must, _ = examples()
    cases: dict[str, list[str]] = {}
    for source in (nlu_crisis_examples(), must, MORE_CRISIS):
        for lang, texts in source.items():
            cases.setdefault(lang, [])
            cases[lang].extend(t for t in texts if t not in cases[lang])
    return cases


def non_crisis_cases() -> dict[str, list[str]]:
    _, must_not = examples()
    return {lang: [*must_not.get(lang, []), *NOT_CRISIS[lang]] for lang in LANGUAGES}


# -- the matcher ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_crisis_example_is_caught(language: str) -> None:
    missed = [t for t in crisis_cases()[language] if not is_crisis(t)]
    assert missed == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_everyday_sentences_are_not_crises(language: str) -> None:
    fired = {t: m.phrase for t in non_crisis_cases()[language] if (m := crisis_match(t))}
    assert fired == {}


def test_the_match_names_category_and_language() -> None:
    found = crisis_match("mein vater schlägt mich")
    assert found is not None and (found.category, found.language) == ("violence", "de")
    found = crisis_match("بدي موت")
    assert found is not None and (found.category, found.language) == ("suicide", "ar")


def matcher(*phrases: str, exceptions: tuple[str, ...] = ()) -> CrisisMatcher:
    return CrisisMatcher(
        [Phrase.parse(p, "test", "de") for p in phrases],
        [Phrase.parse(p, "exception", "de") for p in exceptions],
    )


def test_words_follow_each_other_unless_a_gap_is_written() -> None:
    assert matcher("will sterben")("ich will sterben")
    assert not matcher("will sterben")("ich will einfach sterben")
    net = matcher("will ... sterben")
    assert net("ich will einfach nur sterben")
    assert net("ich will sterben")
    assert not net("ich will heute mit meiner oma nicht sterben")  # four words between


def test_alternatives_wildcards_and_sentence_end() -> None:
    assert matcher("vater|mutter schlägt mich")("meine mutter schlägt mich")
    net = matcher("umbring*")
    assert net("sie wollen mich umbringen") and not net("ich bringe ihn um")
    end = matcher("kann nicht mehr $")
    assert end("Ich kann nicht mehr.") and end("ich kann nicht mehr 😢 hilfe")
    assert not end("ich kann nicht mehr warten")


def test_umlauts_case_and_one_typo_in_long_german_words() -> None:
    net = matcher("schlägt mich", "vergewaltigt")
    for written in ("Er SCHLÄGT mich", "er schlaegt mich", "er schlagt mich",
                    "ich wurde vergewaltikt"):
        assert net(written), written
    assert not matcher("schlägt mich")("er schlug mich")
    assert not matcher("ritzen")("sitzen")  # short words: no typo tolerance


def test_arabic_and_dari_letter_forms_diacritics_and_the_spaced_prefix() -> None:
    assert matcher("بدي موت")("بدّي موت")  # shadda
    assert matcher("ميخواهم بميرم")("می‌خواهم بمیرم")  # ي/ی, ZWNJ
    assert matcher("میخواهم بمیرم")("می خواهم بمیرم")  # spaced prefix
    assert matcher("اريد اموت")("أريد أموت")  # hamza on alef


def test_sentences_are_matched_separately() -> None:
    net = matcher("angst ... vater")
    assert net("ich habe angst vor meinem vater")
    assert not net("ich habe angst. mein vater kommt morgen")
    assert sentences("Hallo! Ich kann nicht mehr 😢 bitte") == [
        ["hallo"], ["ich", "kann", "nicht", "mehr"], ["bitte"]
    ]


def test_an_exception_cancels_only_the_match_it_overlaps() -> None:
    net = matcher("*قتل*ني", exceptions=("*قتل*ني الضحك",))
    assert not net("قتلني الضحك")
    assert net("قتلني الضحك. ابوي رح يقتلني")


@pytest.mark.parametrize(
    ("phrase", "problem"),
    [("", "empty"), ("... sterben", "between"), ("will ... ...", "between"),
     ("kann $ mehr", "end"), ("a||b", "empty alternative"), ("*x", "too few")],
)
def test_malformed_phrases_are_refused(phrase: str, problem: str) -> None:
    with pytest.raises(PhraseError, match=problem):
        Phrase.parse(phrase)


# -- the data file and `make check-content` ------------------------------------------------


def test_shipped_phrase_file_has_no_problems() -> None:
    assert check() == []


def test_check_reports_every_kind_of_problem(tmp_path: Path) -> None:
    data = yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8"))
    data["phrases"]["suicide"]["de"].append("... sterben")
    data["phrases"]["suicide"]["prs"] = []
    data["phrases"]["violence"]["de"].append("suizid*|suizid")  # also in suicide
    broken = tmp_path / "crisis_phrases.yml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    problems = check(broken)
    assert any("'... sterben'" in p for p in problems)
    assert any("suicide: no phrases in 'prs'" in p for p in problems)
    assert any("is also in" in p for p in problems)

    data = yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8"))
    data["examples"]["de"].append("ich mag kekse")
    data["not_crisis"]["ar"].append("بدي موت")
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    problems = check(broken)
    assert "crisis_phrases.yml: example (de) 'ich mag kekse' is not recognised" in problems
    assert any("not_crisis (ar) 'بدي موت' is recognised" in p for p in problems)

    broken.write_text("phrases: [unclosed", encoding="utf-8")
    assert check(broken)[0].startswith("crisis_phrases.yml: cannot be read")


def test_a_malformed_phrase_is_skipped_at_runtime_not_the_whole_net(tmp_path: Path) -> None:
    from jmd.shared.safety import load_matcher

    data = yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8"))
    data["phrases"]["suicide"]["de"].insert(0, "... sterben")
    path = tmp_path / "crisis_phrases.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_matcher(path)("ich will nicht mehr leben")
    with pytest.raises(PhraseError):
        load_matcher(path, strict=True)


def test_check_content_runs_the_phrase_check() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "jmd.content.faq"], cwd=PROJECT_ROOT,
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout
    assert "crisis phrases checked: all fine" in result.stdout


# -- the crisis reply -----------------------------------------------------------------------

NUMBERS = ("112", "110", "116 111", "0800 111 0 111", "0800 111 0 222", "116 016")


@pytest.mark.parametrize("language", LANGUAGES)
def test_front_crisis_text_is_utter_crisis(language: str) -> None:
    assert t("crisis", language) == response_text("utter_crisis", language)
    assert all(number in t("crisis", language) for number in NUMBERS)


def test_crisis_rule_comes_first() -> None:
    rules = yaml.safe_load((PROJECT_ROOT / "nlu" / "data" / "rules.yml").read_text())["rules"]
    crisis = next(r for r in rules if r["steps"][0].get("intent") == "crisis")
    assert crisis["steps"][1] == {"action": "utter_crisis"}


# -- the Telegram front when Rasa cannot answer ----------------------------------------------


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    stand_in = BotApiStandIn().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
async def front_without_rasa(api: BotApiStandIn, tmp_path: Path) -> AsyncIterator[Application]:
    """The front with Rasa unreachable (nothing listens on its port), as in test_bot.py."""
    env = front_env(
        api, tmp_path, f"sqlite:///{tmp_path / 'jmd.db'}", f"http://127.0.0.1:{free_port()}"
    )
    async with running_front(env) as application:
        yield application


@pytest.mark.parametrize(
    ("user", "code", "message", "language"),
    [(5101, "de", "ich will nicht mehr leben", "de"),
     (5102, "fa", "خودمه بکشم", "prs"),
     (5103, "ar", "بدي موت", "ar"),
     # Telegram set to German, the message clearly Arabic: the reply is in Arabic
     (5104, "de", "ابوي يضربني كل يوم وانا خايفة كتير", "ar")],
)
async def test_rasa_down_a_crisis_still_gets_the_numbers_first(
    front_without_rasa: Application, api: BotApiStandIn, user: int, code: str,
    message: str, language: str,
) -> None:
    api.push_text(user, message, code)
    texts = await wait_for_text(api, user, 2)
    assert texts[:2] == [t("crisis", language), t("technical_problem", language)]
    with session_scope() as session:  # Rasa answers it later (and hands over)
        assert [row.text for row in pending_of(session, pseudonym(user))] == [message]


async def test_rasa_down_an_ordinary_message_gets_no_crisis_reply(
    front_without_rasa: Application, api: BotApiStandIn
) -> None:
    api.push_text(5105, "Ich habe Angst vor der Prüfung", "de")
    await wait_for_message(api, 5105, t("technical_problem", "de"))
    assert t("crisis", "de") not in api.sent_texts(5105)


async def test_a_crisis_beyond_what_rasa_reads_is_answered_by_the_front(
    front_without_rasa: Application, api: BotApiStandIn
) -> None:
    long_text = "Ich erzähle dir von meinem Tag. " * 80 + "Ich will nicht mehr leben."
    api.push_text(5106, long_text, "de")
    texts = await wait_for_text(api, 5106, 3)
    assert texts[:3] == [t("crisis", "de"), t("too_long", "de"),
                         t("technical_problem", "de")]


async def test_when_handling_fails_a_crisis_still_gets_the_numbers(
    front_without_rasa: Application, api: BotApiStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.relay

    def database_down(person: object) -> None:
        raise RuntimeError("database is down")

    monkeypatch.setattr(bot.relay, "_remember_chat", database_down)
    api.push_text(5107, "بدي انتحر", "ar")
    texts = await wait_for_text(api, 5107, 2)
    assert texts[:2] == [t("crisis", "ar"), t("error", "ar")]


# -- the running assistant ------------------------------------------------------------------


@pytest.mark.model
@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_crisis_message_gets_the_crisis_reply_first_and_an_urgent_handoff(
    rasa_stack: Settings, language: str
) -> None:
    expected = response_text("utter_crisis", language)
    wrong: dict[str, str] = {}
    for message in crisis_cases()[language]:
        replies = await say(rasa_stack, new_sender(), message,
                            telegram_language_code=CODE[language])
        first = replies[0].text if replies else "(no reply)"
        urgent = [r.custom["handoff"].get("urgent") for r in replies if "handoff" in r.custom]
        if first != expected:
            wrong[message] = first[:60]
        elif urgent != [True]:
            wrong[message] = f"no urgent handoff requested: {urgent}"
    assert wrong == {}


@pytest.mark.model
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_safety_net_raises_no_false_alarm_in_the_running_model(
    rasa_stack: Settings, language: str
) -> None:
    from tests.helpers.conversation import parse

    alarmed = {}
    for message in non_crisis_cases()[language]:
        crisis = parse(rasa_stack, message).get("crisis") or {}
        if crisis.get("source") == "safety_net":
            alarmed[message] = crisis
    assert alarmed == {}


# -- held-out sentences (tests/data/crisis_heldout.yml): false alarms and recall, budgeted ----

HELD_OUT = PROJECT_ROOT / "tests" / "data" / "crisis_heldout.yml"


def held_out() -> dict[str, Any]:
    return yaml.safe_load(HELD_OUT.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _training_sentences() -> set[str]:
    """Every example and FAQ question in nlu/data, normalised."""
    found: set[str] = set()
    for path in (PROJECT_ROOT / "nlu" / "data").rglob("*.yml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            text = line.strip()
            if text.startswith("- "):
                found.add(normalize(text[2:].strip().strip('"').strip("'")))
    return found


def test_the_held_out_sentences_are_not_training_data() -> None:
    data = held_out()
    sentences = [s for lists in (data["everyday"], data["beyond_phrases"])
                 for texts in lists.values() for s in texts]
    sentences += [case["text"] for case in data["other_telegram_language"]]
    trained = _training_sentences()
    assert len(trained) > 1000  # the check reads the training data at all
    assert [s for s in sentences if normalize(s) in trained] == []
    must, must_not = examples()  # nor the phrase file's own example lists
    listed = {normalize(s) for lists in (must, must_not) for texts in lists.values()
              for s in texts}
    assert [s for s in sentences if normalize(s) in listed] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_phrase_list_misses_the_classifier_only_sentences(language: str) -> None:
    """So only the classifier can catch them: the recall test measures that path."""
    sentences = held_out()["beyond_phrases"][language]
    assert len(sentences) >= 10
    assert {s: m.phrase for s in sentences if (m := crisis_match(s))} == {}


async def _crisis_replies(settings: Settings, messages: list[str], code: str,
                          languages: tuple[str, ...]) -> list[str]:
    """The messages (each from a new person) answered first with the crisis reply in one
    of ``languages``."""
    crisis = {response_text("utter_crisis", language) for language in languages}
    alarmed = []
    for message in messages:
        replies = await say(settings, new_sender(), message, telegram_language_code=code)
        if replies and replies[0].text in crisis:
            alarmed.append(message)
    return alarmed


@pytest.mark.model
@pytest.mark.parametrize("language", LANGUAGES)
async def test_false_alarms_on_everyday_messages_stay_within_the_budget(
    rasa_stack: Settings, language: str
) -> None:
    """Everyday messages that get the emergency numbers: at most the language's budget."""
    data = held_out()
    everyday = data["everyday"][language]
    alarmed = await _crisis_replies(rasa_stack, everyday, CODE[language], LANGUAGES)
    budget = data["false_alarm_budget"][language]
    print(f"crisis false alarms ({language}): {len(alarmed)} of {len(everyday)}"
          f" (budget {budget}): {alarmed}")
    assert len(alarmed) <= budget, alarmed


@pytest.mark.model
@pytest.mark.parametrize("language", LANGUAGES)
async def test_crisis_messages_beyond_the_phrase_list_are_caught_within_the_budget(
    rasa_stack: Settings, language: str
) -> None:
    """Held-out crisis messages only the classifier can recognise: the crisis reply first,
    in the message's language, for all but the budgeted few."""
    data = held_out()
    messages = data["beyond_phrases"][language]
    caught = await _crisis_replies(rasa_stack, messages, CODE[language], (language,))
    missed = [m for m in messages if m not in caught]
    budget = data["recall_budget"][language]
    print(f"crisis recall beyond the phrase list ({language}): {len(caught)} of"
          f" {len(messages)} (budget: {budget} missed); missed: {missed}")
    assert len(missed) <= budget, missed


@pytest.mark.model
async def test_the_crisis_reply_follows_the_message_not_the_telegram_setting(
    rasa_stack: Settings,
) -> None:
    """Arabic text from someone whose Telegram is German (and the like): the crisis reply
    comes first, in the language of the message."""
    wrong = {}
    for case in held_out()["other_telegram_language"]:
        assert registry().from_telegram_code(case["telegram"]) != case["language"]
        replies = await say(rasa_stack, new_sender(), case["text"],
                            telegram_language_code=case["telegram"])
        first = replies[0].text if replies else "(no reply)"
        if first != response_text("utter_crisis", case["language"]):
            wrong[case["text"]] = first[:60]
    assert wrong == {}


@pytest.mark.model
async def test_crisis_in_the_middle_of_a_conversation_still_comes_first(
    rasa_stack: Settings,
) -> None:
    sender = new_sender()
    await say(rasa_stack, sender, "hallo")
    await say(rasa_stack, sender, "wie finde ich eine ausbildung")
    replies = await say(rasa_stack, sender, "mein vater schlaegt mich jeden tag")
    assert replies[0].text == response_text("utter_crisis", "de")


def test_an_sos_sign_alone_is_an_emergency_wherever_it_stands() -> None:
    for message in ("🆘", "hilfe 🆘", "🆘 کمکم کنین", "ساعدوني🆘"):
        found = crisis_match(message)
        assert found is not None and found.category == "emergency_sign"
    assert not is_crisis("bitte helft mir!") and not is_crisis("لطفا کمکم کنین")
