"""bot.handoff.mirror: the counselor group gets at most its limit, batched, nothing lost.

The mirror runs on a fake clock (its sleep moves the clock on), and delivers through the
front's real :func:`bot.handoff.delivery.deliver` into the Bot API stand-in, with a Bot
that has no rate limiter (the front's would wait out real minutes).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from telegram import Bot, Message
from telegram.ext import Application

from bot.front import Person, front_of
from bot.handoff.delivery import deliver
from bot.handoff.mirror import GroupMirror, Item, Window
from jmd.identity import pseudonym
from jmd.texts import staff
from tests.helpers.bot_api import BotApiStandIn, Call
from tests.helpers.handoff import GROUP

pytest_plugins = ["tests.helpers.handoff_fixtures"]

LIMIT = 20
NOTES = {"dringend"}
BATCH_HEAD = staff("handoff.mirror_batched", count=0).split("0")[0]


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


@dataclass
class Recorder:
    """When each delivery happened (fake time), and what could not be delivered."""

    clock: FakeClock
    send: Callable[[list[Item]], Awaitable[None]]
    times: list[float] = field(default_factory=list)
    failed: list[Item] = field(default_factory=list)

    async def deliver(self, items: list[Item]) -> None:
        self.times.append(self.clock.now)
        await self.send(items)

    async def on_failed(self, items: list[Item]) -> None:
        self.failed.extend(items)


@pytest.fixture
async def bot(api: BotApiStandIn) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url) as plain:
        yield plain


def mirror_for(front: Application, bot: Bot, clock: FakeClock) -> tuple[GroupMirror, Recorder]:
    recorder = Recorder(clock, lambda items: deliver(front_of(front), bot, items))
    mirror = GroupMirror(recorder.deliver, recorder.on_failed, per_window=LIMIT, period=60,
                         clock=clock, sleep=clock.sleep)
    return mirror, recorder


def message(api: BotApiStandIn, front: Application, user: int, text: str) -> Item:
    update = api.text_update(user, text, "de")["message"]
    person = Person(pseudonym(user), user, "de")
    return Item(person, Message.de_json(update, front.bot), diverted=True)


def group_deliveries(api: BotApiStandIn) -> list[Call]:
    """Copies and messages into the counselor group, in order."""
    return [c for c in api.calls if c.method in {"copyMessage", "sendMessage"}
            and int(c.params.get("chat_id", 0)) == GROUP and c.result is not None]


def texts_per_thread(api: BotApiStandIn, items: list[Item]) -> dict[int, list[str]]:
    """What each topic shows, message by message: copies by id, batches line by line."""
    by_id = {(item.person.chat_id, item.message.message_id): item.text
             for item in items if item.message is not None}
    shown: dict[int, list[str]] = {}
    for call in group_deliveries(api):
        thread = int(call.params["message_thread_id"])
        if call.method == "copyMessage":
            key = (int(call.params["from_chat_id"]), int(call.params["message_id"]))
            shown.setdefault(thread, []).append(str(by_id[key]))
        elif call.params["text"] not in NOTES:
            head, *lines = str(call.params["text"]).split("\n\n")
            assert head.startswith(BATCH_HEAD), "a batch says it is delayed"
            shown.setdefault(thread, []).extend(line.split("] ", 1)[1] for line in lines)
    return shown


async def test_forty_messages_of_ten_people_keep_the_limit_and_their_order(
    front: Application, api: BotApiStandIn, bot: Bot
) -> None:
    clock = FakeClock()
    mirror, recorder = mirror_for(front, bot, clock)
    users = list(range(8700, 8710))
    items = [message(api, front, users[n % 10], f"m{n:02d}") for n in range(40)]
    for item in items:
        mirror.put(item)  # all at once: a busy afternoon
    await mirror.drained()

    times = recorder.times
    assert len(times) < 40, "batched when it backed up"
    pairs = zip(times, times[LIMIT:], strict=False)  # each send and the LIMIT-th after it
    assert all(later - earlier >= 60 for earlier, later in pairs), f"over {LIMIT} a minute"
    assert len(group_deliveries(api)) == len(times)
    assert recorder.failed == []
    shown = texts_per_thread(api, items)
    assert len(shown) == 10, "one topic per person"
    expected = sorted([[item.text for item in items if item.person.chat_id == user]
                       for user in users])
    assert sorted(shown.values()) == expected, "every text, in order, in its own topic"


async def test_an_urgent_topic_goes_first_and_quiet_times_send_copies(
    front: Application, api: BotApiStandIn, bot: Bot
) -> None:
    clock = FakeClock()
    mirror, _ = mirror_for(front, bot, clock)
    calm = [message(api, front, 8720, "eins"), message(api, front, 8720, "zwei")]
    for item in calm:
        mirror.put(item)
    await mirror.drained()
    assert [c.method for c in group_deliveries(api)] == ["copyMessage", "copyMessage"]

    crowd = [message(api, front, 8721 + n % 3, f"x{n}") for n in range(LIMIT)]
    crisis = message(api, front, 8725, "hilfe")
    for item in crowd:
        mirror.put(item)
    mirror.put(Item(crisis.person, crisis.message, urgent=True, diverted=True))
    mirror.put(Item(crisis.person, note="dringend", urgent=True))
    await mirror.drained()
    sent = group_deliveries(api)[2:]
    crisis_at = next(i for i, c in enumerate(sent)
                     if int(c.params.get("from_chat_id", 0)) == 8725)
    assert crisis_at == 0, "the crisis waits for no other topic"
    assert sent[crisis_at + 1].params.get("text") == "dringend", "its note right after it"
    assert sorted(texts_per_thread(api, crowd + calm + [crisis]).values()) == sorted(
        [["eins", "zwei"], ["hilfe"]]
        + [[f"x{n}" for n in range(LIMIT) if n % 3 == k] for k in range(3)])


async def test_what_the_group_refuses_is_handed_back_nothing_dropped(
    front: Application, api: BotApiStandIn, bot: Bot
) -> None:
    clock = FakeClock()
    mirror, recorder = mirror_for(front, bot, clock)
    items = [message(api, front, 8730 + n % 2, f"y{n}") for n in range(LIMIT + 6)]
    api.fail("sendMessage", status=403, description="Forbidden: bot was kicked")  # a batch
    for item in items:
        mirror.put(item)
    await mirror.drained()
    shown = texts_per_thread(api, items)
    delivered = [text for texts in shown.values() for text in texts]
    refused = [item.text for item in recorder.failed]
    assert refused, "the batch was refused"
    assert sorted(delivered + refused) == sorted(item.text for item in items)


def test_the_window_allows_the_limit_per_period() -> None:
    clock = FakeClock()
    window = Window(3, 60, clock)
    for _ in range(3):
        assert window.delay() == 0
        window.record()
    assert window.delay() == 60
    clock.now += 59.5
    assert window.delay() == 0.5
    clock.now += 0.5
    assert window.delay() == 0
