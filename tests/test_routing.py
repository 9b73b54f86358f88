"""Routing by age and need (jmd.content.routing, content/routing.yml): bands, rules, cards,
the file's checks and the FAQ placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from jmd.content import routing
from jmd.content.answers import depends_on_band, render, topics_by_name
from jmd.content.faq import check as check_faq
from jmd.content.organisations import ORGANISATIONS_FILE, load_organisations, organisation
from jmd.content.routing import (
    RoutingDataError,
    band_in_text,
    band_of_age,
    booking_kind,
    card,
    check,
    read_routing,
    route,
)
from jmd.shared.languages import registry
from jmd.texts import t

LANGUAGES = registry().codes
BANDS = """
bands:
  - {id: "12-17", ages: [12, 17]}
  - {id: "18-26", ages: [18, 26]}
  - {id: "27+", ages: [27, ]}
"""
RULES = """
rules:
  - {need: appointment, bands: ["12-17", "18-26"], to: jmd}
  - {need: appointment, bands: ["27+"], to: mbe}
  - {need: buergergeld, to: jobcenter}
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "routing.yml"
    path.write_text(body, encoding="utf-8")
    return path


def test_the_shipped_file_is_fine() -> None:
    assert check() == []
    assert routing.band_ids() == ["12-17", "18-26", "27+"]


@pytest.mark.parametrize(("age", "band"), [
    (11, None), (12, "12-17"), (17, "12-17"), (18, "18-26"), (26, "18-26"), (27, "27+"),
    (30, "27+"), (64, "27+"),
])
def test_an_age_falls_into_one_band(age: int, band: str | None) -> None:
    assert band_of_age(age) == band


@pytest.mark.parametrize(("text", "band"), [
    ("ich bin 30", "27+"), ("Ich bin 16 Jahre alt", "12-17"), ("۳۰ سالمه", "27+"),
    ("۱۹ ساله استم", "18-26"), ("عمري 30", "27+"), ("عمري ٢٠ سنة", "18-26"),
    ("27 oder älter", "27+"), ("18–26", "18-26"), ("ich bin alt", None), ("ich bin 9", None),
    ("1234", None),
])
def test_a_typed_age_becomes_its_band(text: str, band: str | None) -> None:
    assert band_in_text(text) == band


def _to(need: str, band: str) -> str | None:
    found = route(need, band)
    return found.id if found else None


def test_the_rules_route_by_age_and_need() -> None:
    assert [_to("appointment", b) for b in ("12-17", "18-26", "27+")] == ["jmd", "jmd", "mbe"]
    assert booking_kind("27+") == "mbe" and booking_kind("18-26") == "jmd"
    for band in routing.band_ids():
        assert _to("buergergeld", band) == "jobcenter"
        assert _to("job_search", band) == _to("career_choice", band) == "agentur"
    assert route("residence", "27+") is None  # no rule: nobody is made up


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_card_shows_known_values_and_never_a_placeholder(language: str) -> None:
    for item in load_organisations():
        text = card(item, language)
        assert item.name in text and item.does[language] in text
        assert "PLATZHALTER" not in text
        for value in item.contact.values():
            assert value in text
        if not item.contact:
            assert t("routing.no_contact", language) in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_buergergeld_is_answered_with_the_jobcenter(language: str) -> None:
    topic = topics_by_name()["buergergeld"]
    assert depends_on_band(topic)
    answer = render(topic, language)
    jobcenter = organisation("jobcenter")
    assert jobcenter is not None
    assert jobcenter.name in answer.text and jobcenter.does[language] in answer.text
    assert "{" not in answer.text and "PLATZHALTER" not in answer.text
    assert "https://www.arbeitsagentur.de/arbeitslos-arbeit-finden/buergergeld" in answer.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_career_guidance_is_answered_with_the_agentur(language: str) -> None:
    answer = render(topics_by_name()["career_guidance"], language)
    agentur = organisation("agentur")
    assert agentur is not None and agentur.does[language] in answer.text
    assert agentur.contact["phone"] in answer.text and "{" not in answer.text


def test_an_age_dependent_route_lists_each_band_unless_the_band_is_known() -> None:
    jmd, mbe = organisation("jmd"), organisation("mbe")
    assert jmd is not None and mbe is not None
    both = routing.render_placeholders("{route:appointment}", "de")
    assert jmd.does["de"] in both and mbe.does["de"] in both
    assert t("routing.band.27+", "de") in both
    older = routing.render_placeholders("{route:appointment}", "de", "27+")
    assert mbe.does["de"] in older and jmd.does["de"] not in older
    assert routing.render_placeholders("{organisation:jobcenter}", "ar").startswith("🏢 Jobcenter")


@pytest.mark.parametrize(("body", "message"), [
    ("bands: [", "broken YAML"),
    (RULES, "expected a list 'bands:'"),
    (BANDS, "expected a list 'rules:'"),
    (BANDS.replace("[18, 26]", "[19, 26]") + RULES, "band '18-26' must start at 18"),
    (BANDS.replace("[27, ]", "[27, 99]") + RULES, "the last band '27+' needs an open end"),
    (BANDS.replace('"18-26", ages', '"12-17", ages').replace("[18, 26]", "[18, 26]") + RULES,
     "a band id is used twice"),
    (BANDS + RULES.replace("buergergeld", "lottery"), "need 'lottery' is not one of"),
    (BANDS + RULES.replace('["27+"]', '["30+"]'), "rule 2: bands must be from"),
    (BANDS + RULES.replace("to: jobcenter", "who: jobcenter"), "only 'need', 'to' and 'bands'"),
])
def test_a_broken_file_says_where(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(RoutingDataError, match=re.escape(message)):
        read_routing(write(tmp_path, body))
    assert any(message in line for line in check(write(tmp_path, body)))


@pytest.mark.parametrize(("rules", "message"), [
    (RULES.replace("to: mbe", "to: mbee"),
     "rule 2: organisation 'mbee' is not in organisations.yml"),
    (RULES.replace('["27+"]', '["18-26"]'),
     "need 'appointment' has 0 rules for band '27+' (exactly 1 needed)"),
    (RULES.replace('["27+"]', '["18-26", "27+"]'),
     "need 'appointment' has 2 rules for band '18-26'"),
    (RULES.replace('["12-17", "18-26"], to: jmd', '["12-17", "18-26"], to: mbe'),
     "rule 1: 'mbe' does not serve ages of band '12-17'"),
    (RULES.replace('to: mbe}', 'to: jmd}'), "rule 2: 'jmd' does not serve ages of band '27+'"),
    ("rules:\n  - {need: buergergeld, to: jobcenter}\n", "no rule for 'appointment'"),
])
def test_rules_must_fit_the_organisations(tmp_path: Path, rules: str, message: str) -> None:
    problems = check(write(tmp_path, BANDS + rules), ORGANISATIONS_FILE)
    assert any(message in line for line in problems), problems


def test_every_band_needs_its_button_text(tmp_path: Path) -> None:
    body = BANDS.replace('{id: "27+", ages: [27, ]}',
                         '{id: "27-64", ages: [27, 64]}\n  - {id: "65+", ages: [65, ]}')
    problems = check(write(tmp_path, body + RULES.replace('["27+"]', '["27-64", "65+"]')))
    assert any("band '65+' has no button text routing.band.65+" in line for line in problems)


def test_faq_placeholders_must_name_a_need_or_an_organisation(tmp_path: Path) -> None:
    topic = yaml.safe_load(topics_by_name()["buergergeld"].path.read_text(encoding="utf-8"))
    topic["answer"]["de"] = topic["answer"]["de"].replace("{route:buergergeld}", "{route:lottery}")
    topic["answer"]["prs"] = topic["answer"]["prs"].replace("{route:buergergeld}",
                                                            "{organisation:finanzamt}")
    (tmp_path / "buergergeld.yml").write_text(yaml.safe_dump(topic, allow_unicode=True),
                                              encoding="utf-8")
    problems = "\n".join(check_faq(tmp_path))
    assert "{route:lottery} in the 'de' answer: no rule for need 'lottery'" in problems
    assert "{organisation:finanzamt} in the 'prs' answer: no organisation 'finanzamt'" in problems
    assert "'ar' answer" not in problems  # {route:buergergeld} is fine
