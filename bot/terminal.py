"""A terminal chat with the same assistant, for trying it without Telegram.

Buttons are shown numbered; typing the number taps the button.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import uuid
from collections.abc import Callable

from bot.rasa_client import Button, RasaClient, RasaFailed, RasaUnavailable, Reply
from jmd.shared.settings import get_settings
from jmd.texts import t

QUIT = {"/quit", "/exit", "/q"}


def render(replies: list[Reply]) -> tuple[str, tuple[Button, ...]]:
    """Replies as terminal text, and the buttons the numbers refer to."""
    lines: list[str] = []
    buttons: tuple[Button, ...] = ()
    for reply in replies:
        if reply.text:
            lines.append(f"🤖 {reply.text}")
        if "ics" in reply.custom:  # Telegram gets the calendar file; the terminal a note
            lines.append("📎 (calendar file: in Telegram the appointment comes as a .ics file)")
        handoff = reply.custom.get("handoff")
        if isinstance(handoff, dict):  # only the Telegram front has counselors
            lines.append(t("handoff_terminal", handoff.get("language")))
        if reply.buttons:
            buttons = reply.buttons
            lines.extend(f"   [{i}] {b.title}" for i, b in enumerate(reply.buttons, 1))
    return "\n".join(lines), buttons


async def chat(
    rasa: RasaClient,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
    sender: str | None = None,
) -> None:
    """Run the conversation until end of input or /quit."""
    sender = sender or f"terminal-{uuid.uuid4().hex[:12]}"
    buttons: tuple[Button, ...] = ()
    message: str | None = "/start"
    write("Chat mit dem JMD-Assistenten · دری · العربية — /quit beendet.\n")
    while True:
        if message is not None:
            try:
                replies = await rasa.send(sender, message)
            except RasaUnavailable:
                write(t("technical_problem", None))
                replies = []
            except RasaFailed:
                write(t("error", None))
                replies = []
            output, new_buttons = render(replies)
            buttons = new_buttons or buttons
            if output:
                write(output)
        try:
            line = (await asyncio.to_thread(read, "\n> ")).strip()
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        if line in QUIT:
            return
        if line.isdigit() and 1 <= int(line) <= len(buttons):
            message = buttons[int(line) - 1].payload
        else:
            message = line or None


async def _main(url: str, token: str | None) -> None:
    rasa = RasaClient(url, token=token, attempts=2)
    try:
        await chat(rasa)
    finally:
        await rasa.close()


def run_chat(url: str, token: str | None) -> None:
    """Chat with the assistant at ``url`` until end of input, /quit or Ctrl-C.

    ``token`` is the jmd channel's token (RASA_CHANNEL_TOKEN): without it Rasa refuses.
    """
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(url, token))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rasa-url", default=get_settings().rasa_url)
    run_chat(parser.parse_args().rasa_url, get_settings().rasa_channel_token)


if __name__ == "__main__":
    main()
