"""Rasa's command line through jmd.nlu.server: the API never runs open, its token is hidden."""

from __future__ import annotations

import pytest

from jmd.nlu.server import rasa_arguments

RUN = ["run", "--interface", "127.0.0.1", "--port", "5005"]


def test_without_the_api_the_arguments_stay_as_they_are() -> None:
    assert rasa_arguments(RUN, "api-token") == RUN


def test_the_api_gets_the_token_inside_the_process() -> None:
    assert rasa_arguments([*RUN, "--enable-api"], "api-token") == [
        *RUN, "--enable-api", "--auth-token", "api-token"]


@pytest.mark.parametrize("token", [None, ""])
def test_the_api_does_not_start_without_a_token(token: str | None) -> None:
    with pytest.raises(SystemExit, match="RASA_API_TOKEN"):
        rasa_arguments([*RUN, "--enable-api"], token)
