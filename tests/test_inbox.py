"""The per-chat inbox: order within a chat, independence of chats, bursts merged.

Jobs block on events the test releases; nothing depends on how long anything takes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.inbox import ChatInbox


async def until(condition: Callable[[], bool]) -> None:
    """Let the event loop run until ``condition`` holds (no clock involved)."""
    for _ in range(10_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never became true")


async def test_one_chat_in_order_other_chats_not_held_up() -> None:
    inbox = ChatInbox()
    log: list[str] = []
    gate = asyncio.Event()

    async def slow() -> None:
        log.append("a1 start")
        await gate.wait()
        log.append("a1 end")

    def job(name: str) -> Callable[[], asyncio.Future]:
        async def run() -> None:
            log.append(name)
        return run  # type: ignore[return-value]

    inbox.submit(1, slow)
    inbox.submit(1, job("a2"))
    inbox.submit(2, job("b1"))
    await until(lambda: "b1" in log)
    assert log == ["a1 start", "b1"]  # chat 2 did not wait for chat 1
    assert inbox.busy(1) and not inbox.busy(2)
    gate.set()
    await until(lambda: not inbox.busy(1))
    assert log == ["a1 start", "b1", "a1 end", "a2"]


async def test_texts_arriving_while_busy_are_read_together() -> None:
    inbox = ChatInbox()
    batches: list[list[str]] = []
    log: list[str] = []
    gate = asyncio.Event()

    async def on_texts(texts: list[str]) -> None:
        batches.append(list(texts))
        log.append("texts")
        await gate.wait()

    async def command() -> None:
        log.append("command")

    inbox.submit_text(1, "a", on_texts)
    await until(lambda: bool(batches))  # "a" is being answered
    for text in ("b", "c", "d"):
        inbox.submit_text(1, text, on_texts)
    inbox.submit(1, command)  # a command is never merged and keeps its place
    inbox.submit_text(1, "e", on_texts)
    gate.set()
    await until(lambda: not inbox.busy(1))
    assert batches == [["a"], ["b", "c", "d"], ["e"]]
    assert log == ["texts", "texts", "command", "texts"]


async def test_a_failing_job_is_reported_and_the_chat_goes_on() -> None:
    reported: list[tuple[object, Exception]] = []

    async def on_error(update: object, error: Exception) -> None:
        reported.append((update, error))

    inbox = ChatInbox(on_error=on_error)
    done: list[str] = []

    async def broken() -> None:
        raise ValueError("boom")

    async def next_job() -> None:
        done.append("next")

    inbox.submit(1, broken, update="the update")
    inbox.submit(1, next_job)
    await until(lambda: not inbox.busy(1))
    assert [(u, type(e)) for u, e in reported] == [("the update", ValueError)]
    assert done == ["next"]


async def test_the_same_reply_waiting_back_to_back_is_sent_once() -> None:
    inbox = ChatInbox()
    gate = asyncio.Event()
    sent: list[str] = []

    async def busy() -> None:
        await gate.wait()

    def reply(key: str) -> Callable[[], asyncio.Future]:
        async def run() -> None:
            sent.append(key)
        return run  # type: ignore[return-value]

    inbox.submit(1, busy)
    for key in ("not_text", "not_text", "not_text", "edited", "not_text"):
        inbox.submit(1, reply(key), once=key)
    gate.set()
    await until(lambda: not inbox.busy(1))
    assert sent == ["not_text", "edited", "not_text"]


async def test_the_gate_decides_before_each_job_with_an_update() -> None:
    seen: list[tuple[object, list[object]]] = []
    ran: list[str] = []
    gate_open = asyncio.Event()

    async def gate(update: object, items: list[object]) -> bool:
        seen.append((update, list(items)))
        return update == "to the counselor"

    async def on_texts(texts: list[str]) -> None:
        ran.append("+".join(texts))
        await gate_open.wait()

    def job(name: str) -> Callable[[], asyncio.Future]:
        async def run() -> None:
            ran.append(name)
        return run  # type: ignore[return-value]

    inbox = ChatInbox(gate=gate)
    inbox.submit_text(1, "a", on_texts, update="u-a")
    await until(lambda: ran == ["a"])
    inbox.submit_text(1, "b", on_texts, update="u-b")
    inbox.submit_text(1, "c", on_texts, update="u-c")
    inbox.submit(1, job("diverted"), update="to the counselor")
    inbox.submit(1, job("background"))  # no update: never gated (timeouts, reminders)
    gate_open.set()
    await until(lambda: not inbox.busy(1))
    assert ran == ["a", "b+c", "background"]
    assert seen == [("u-a", ["a"]), ("u-b", ["b", "c"]), ("to the counselor", [])]


async def test_a_gate_set_later_applies_to_jobs_not_started_yet() -> None:
    inbox = ChatInbox()
    ran: list[str] = []
    release = asyncio.Event()

    async def first() -> None:
        await release.wait()
        ran.append("first")

    async def second() -> None:
        ran.append("second")

    async def refuse(update: object, items: list[object]) -> bool:
        return True

    inbox.submit(1, first)
    inbox.submit(1, second, update="an update")
    inbox.gate = refuse  # the front sets its gate once the front exists
    release.set()
    await until(lambda: not inbox.busy(1))
    assert ran == ["first"]


class Tracker:
    """Records what the inbox holds and releases (bot.inbound.InboundLedger in the front)."""

    def __init__(self) -> None:
        self.held: list[str] = []
        self.released: list[list[str]] = []

    def hold(self, update: str) -> None:
        self.held.append(update)

    async def release(self, updates: list[str]) -> None:
        self.released.append(list(updates))


async def test_a_burst_releases_all_its_updates_once_its_job_finished() -> None:
    tracker = Tracker()
    inbox = ChatInbox(tracker=tracker)
    gate = asyncio.Event()

    async def first() -> None:
        await gate.wait()

    async def on_texts(texts: list[str]) -> None:
        assert tracker.released == [["u1"]], "the first job finished before"

    async def reply() -> None:
        pass

    inbox.submit(1, first, "u1")
    inbox.submit_text(1, "a", on_texts, "u2")
    inbox.submit_text(1, "b", on_texts, "u3")  # merged into u2's job
    inbox.submit(1, reply, "u4", once="note")
    inbox.submit(1, reply, "u5", once="note")  # answered by u4's job
    await until(lambda: tracker.held == ["u1", "u2", "u3", "u4", "u5"])
    assert tracker.released == [], "nothing is finished while it waits"
    gate.set()
    await until(lambda: not inbox.busy(1))
    assert tracker.released == [["u1"], ["u2", "u3"], ["u4", "u5"]]


async def test_a_failed_job_finishes_its_update_a_cancelled_one_does_not() -> None:
    tracker = Tracker()
    reported: list[object] = []

    async def on_error(update: object, error: Exception) -> None:
        reported.append(update)

    tasks: list[asyncio.Task[None]] = []
    inbox = ChatInbox(spawn=lambda c: tasks.append(asyncio.ensure_future(c)),
                      on_error=on_error, tracker=tracker)

    async def fails() -> None:
        raise RuntimeError("boom")

    async def hangs() -> None:
        await asyncio.Event().wait()

    inbox.submit(1, fails, "u1")
    inbox.submit(2, hangs, "u2")
    await until(lambda: not inbox.busy(1))
    assert reported == ["u1"] and tracker.released == [["u1"]], "told, then finished"
    tasks[-1].cancel()  # a shutdown (or crash) cuts the job off
    await asyncio.gather(*tasks, return_exceptions=True)
    assert tracker.released == [["u1"]], "u2 stays stored and is handled again"
