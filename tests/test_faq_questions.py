"""Questions the model has never seen reach their FAQ topic, in every language.

One question per topic added for issue 18 (Praktikum, Minijob, BAföG, …), written the way young
people ask and deliberately NOT copied from the topic's training examples: the test shows that
the topic is learnt, not that an example is remembered.
"""

from __future__ import annotations

import pytest

from jmd.content.answers import render, topics_by_name
from jmd.shared.settings import Settings
from jmd.shared.topics import FAQ_DIR, load_topic
from tests.helpers.conversation import new_sender, say

CHOOSE = '/change_language{{"language": "{}"}}'

QUESTIONS: dict[str, dict[str, str]] = {
    "praktikum": {
        "de": "kann ich vor der ausbildung ein langes praktikum im betrieb machen",
        "prs": "میخایم پیش از آوسبیلدونگ یک پراکتیکوم طولانی کنم",
        "ar": "بدي اعمل براكتيكوم طويل بشركة قبل الاوسبيلدونغ",
    },
    "minijob": {
        "de": "wie viele stunden darf ich mit 16 im minijob arbeiten",
        "prs": "۱۶ ساله استم در مینی جاب چند ساعت کار کنم",
        "ar": "عمري 16 كم ساعة بقدر اشتغل بالميني جوب",
    },
    "bafoeg": {
        "de": "bekomme ich schüler bafög wenn ich bei meinen eltern wohne",
        "prs": "برای برفس فاخ شوله بافوگ گرفته میتانم",
        "ar": "بقدر اخد بافوغ للمدرسة المهنية",
    },
    "bleiberecht": {
        "de": "ich habe seit 4 jahren duldung und gehe zur schule kann ich bleiben",
        "prs": "۴ سال است دولدونگ دارم و مکتب میرم اجازه ماندن میگیرم",
        "ar": "معي دولدونغ من 4 سنين وبروح عالمدرسة بعطوني اقامة",
    },
    "health_insurance": {
        "de": "welche krankenkasse muss ich meinem betrieb sagen",
        "prs": "در آوسبیلدونگ کدام بیمه صحی بگیرم",
        "ar": "اي تأمين صحي لازم اختار بالاوسبيلدونغ",
    },
    "housing": {
        "de": "kann ich wohngeld beantragen wenn ich für die ausbildung umziehe",
        "prs": "برای آوسبیلدونگ به شهر دیگه کوچ میکنم وونگلد میگیرم",
        "ar": "رح انقل لمدينة تانية للاوسبيلدونغ بقدر اخد فوهن غيلد",
    },
    "ausbildung_problems": {
        "de": "mein ausbilder ist gemein ich will die ausbildung hinschmeißen",
        "prs": "استادم در شرکت بد است میخایم آوسبیلدونگ ره ایله کنم",
        "ar": "المدرب بالشركة سيء بدي اترك الاوسبيلدونغ",
    },
    "discrimination": {
        "de": "der vermieter sagt er vermietet nicht an ausländer was kann ich tun",
        "prs": "صاحب خانه گفت به خارجی ها خانه نمیتم",
        "ar": "صاحب البيت قال ما بأجر للاجانب",
    },
    "volunteering": {
        "de": "kann ich nach der schule ein freiwilliges jahr im altenheim machen",
        "prs": "بعد از مکتب یک سال داوطلبانه در شفاخانه کار کنم",
        "ar": "بعد المدرسة بدي اعمل سنة تطوع بالمستشفى",
    },
    "driving_licence": {
        "de": "kann ich die theorieprüfung für den führerschein auf arabisch machen",
        "prs": "امتحان تیوری لایسنس به دری میشه",
        "ar": "امتحان السواقة النظري بالعربي موجود",
    },
    "mental_health": {
        "de": "ich bin oft traurig und brauche jemanden zum reden",
        "prs": "زیاد غمگین استم میخایم با کسی گپ بزنم",
        "ar": "زعلان كتير وبدي احكي مع حدا",
    },
    "online_counselling": {
        "de": "gibt es beim jmd auch beratung im internet",
        "prs": "jmd مشوره انترنتی هم داره",
        "ar": "ال JMD عندو استشارة عالانترنت",
    },
}

CASES = [(topic, lang, text) for topic, asked in QUESTIONS.items() for lang, text in asked.items()]


def test_the_questions_are_not_training_examples() -> None:
    """Otherwise the model test below would only show that the model remembers."""
    for topic, lang, text in CASES:
        examples = load_topic(FAQ_DIR / f"{topic}.yml").examples[lang]
        assert text not in examples, (topic, lang, text)


@pytest.mark.model
@pytest.mark.parametrize(("topic", "language", "question"), CASES)
async def test_an_unseen_question_gets_the_topics_answer(
    rasa_stack: Settings, topic: str, language: str, question: str
) -> None:
    sender = new_sender()
    await say(rasa_stack, sender, CHOOSE.format(language))
    replies = await say(rasa_stack, sender, question)
    expected = render(topics_by_name()[topic], language)
    assert replies, "no reply"
    assert replies[0].text == expected.text, replies[0].text[:80]
    assert [b.payload for b in replies[0].buttons] == [b.payload for b in expected.buttons]
