"""Outgoing pace per private chat and retries of transient Telegram failures.

A controllable clock and a recording sleep stand in for time: the tests check which
delays were scheduled, never how long anything took.
"""

from __future__ import annotations

import pytest
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.throttle import ChatPacer, FrontRateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Sleeps:
    """Records requested delays; optionally lets the clock run by them."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.delays: list[float] = []
        self._clock = clock

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        if self._clock is not None:
            self._clock.now += delay


async def test_messages_to_one_chat_are_a_second_apart() -> None:
    clock = Clock()
    sleeps = Sleeps(clock)
    pacer = ChatPacer(1.0, clock=clock, sleep=sleeps)
    for chat in (1, 1, 2, 1):
        await pacer.wait(chat)
    # chat 1: at once, after 1 s, then 1 s after that; chat 2 never waits for chat 1
    assert sleeps.delays == [1.0, 1.0]


def test_concurrent_senders_get_consecutive_slots() -> None:
    clock = Clock()
    pacer = ChatPacer(1.0, clock=clock)
    assert [pacer.book(7) for _ in range(3)] == [0.0, 1.0, 2.0]
    assert pacer.book(8) == 0.0
    clock.now += 10  # a quiet chat starts afresh
    assert pacer.book(7) == 0.0


def test_quiet_chats_are_forgotten() -> None:
    clock = Clock()
    pacer = ChatPacer(1.0, clock=clock, max_chats=2)
    for chat in range(1, 6):
        pacer.book(chat)
        clock.now += 5
    assert len(pacer._next_free) <= 2


def fake_telegram(outcomes: list[object]) -> tuple[list[tuple], object]:
    """A request callback that fails or answers as listed, one outcome per call."""
    calls: list[tuple] = []

    async def callback(*args: object, **kwargs: object) -> object:
        calls.append(args)
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return calls, callback


async def send(limiter: FrontRateLimiter, callback: object, endpoint: str = "sendMessage",
               chat_id: int = 5) -> object:
    data = {"chat_id": chat_id, "text": "x"}
    return await limiter.process_request(callback, (endpoint, data), {}, endpoint, data, None)


async def test_timeouts_and_server_errors_are_retried_with_backoff() -> None:
    sleeps = Sleeps()
    limiter = FrontRateLimiter(chat_interval=0, max_retries=3, backoff=0.5, sleep=sleeps)
    calls, callback = fake_telegram(
        [NetworkError("Internal Server Error"), TimedOut(), {"message_id": 1}]
    )
    assert await send(limiter, callback) == {"message_id": 1}
    assert len(calls) == 3
    assert sleeps.delays == [0.5, 1.0]


async def test_retries_are_bounded() -> None:
    sleeps = Sleeps()
    limiter = FrontRateLimiter(chat_interval=0, max_retries=2, backoff=0.5, sleep=sleeps)
    calls, callback = fake_telegram([NetworkError("Bad Gateway")] * 3)
    with pytest.raises(NetworkError):
        await send(limiter, callback)
    assert len(calls) == 3
    assert sleeps.delays == [0.5, 1.0]


async def test_a_bad_request_is_not_retried() -> None:
    sleeps = Sleeps()
    limiter = FrontRateLimiter(chat_interval=0, max_retries=3, sleep=sleeps)
    calls, callback = fake_telegram([BadRequest("can't parse entities")])
    with pytest.raises(BadRequest):
        await send(limiter, callback)
    assert len(calls) == 1
    assert sleeps.delays == []


async def test_only_messages_to_private_chats_are_paced() -> None:
    clock = Clock()
    sleeps = Sleeps()  # the clock stands still: every booked slot shows as a delay
    limiter = FrontRateLimiter(chat_interval=1.0, clock=clock, sleep=sleeps)
    calls, callback = fake_telegram([True] * 5)
    await send(limiter, callback, "sendMessage", 5)
    await send(limiter, callback, "sendChatAction", 5)  # "typing…" is not a message
    await send(limiter, callback, "sendMessage", -100123)  # groups: AIORateLimiter's job
    await send(limiter, callback, "sendMessage", 5)
    await send(limiter, callback, "sendMessage", 5)
    assert len(calls) == 5
    assert sleeps.delays == [1.0, 2.0]
