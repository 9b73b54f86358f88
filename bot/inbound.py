"""Crash-safe inbound: every update is stored before it counts as received, replayed at
start, and deleted once its work is finished.

Telegram forgets an update once the front has confirmed it. python-telegram-bot 22.8
confirms only after ``await update_queue.put(update)``: in polling, the Updater puts every
fetched update and only then advances the ``offset`` of the next ``getUpdates``
(``telegram/ext/_updater.py``); in webhook mode, the webhook handler puts the update before
it answers 200 (``telegram/ext/_utils/webhookhandler.py``). So :class:`PersistingQueue`,
whose ``put`` stores the update first (``inbound_updates``, :mod:`jmd.db.inbound`), covers
both.

Invariants:

* An update's row lives until its work is finished: :class:`InboundLedger` counts, per
  update, the work standing for it — the handlers (:class:`FinishingProcessor`) and the
  chat inbox's job (:mod:`bot.inbox`; a burst's job stands for all its updates). At zero the
  row is deleted. A handler's error still finishes the update (the error handler has told
  the person); work cut off by a crash or shutdown never reaches zero, so the row stays.
* At start, :func:`replay_unfinished` puts the stored updates back into the queue, oldest
  first, without storing them again, and counts the attempt; an update whose handling was
  started ``INBOUND_MAX_ATTEMPTS`` times (it kept crashing the process) is given up: the
  person gets the crisis reply if it was one and is asked to write again.
* An update Telegram sends again (the front died before confirming it) is handled once:
  stored already, or replayed in this process → dropped.

Towards Rasa, each message carries an idempotency key (:mod:`bot.relay`), and Rasa's channel
answers a key it has handled from the conversation instead of handling it again
(:mod:`jmd.nlu.channel`). What remains (documented in README, "Crash-safe inbound"): a crash
after the replies went out but before the row was deleted sends those replies again on
replay (the person may read an answer twice; Rasa does not handle the message twice); a
burst replayed in a different grouping is answered from its first message's key only; an
update whose work finished within the milliseconds before Telegram got the confirmation is
handled again if the front dies exactly then.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Iterable
from typing import Any

from telegram import Bot, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import SimpleUpdateProcessor

from bot.crisis import send_crisis_reply_if_needed
from bot.front import AnyApplication, Person, say
from jmd.db import db
from jmd.db.inbound import StoredUpdate, claim_unfinished, forget_updates, store_update
from jmd.identity import pseudonym

logger = logging.getLogger(__name__)


def _update_id(update: object) -> int | None:
    return update.update_id if isinstance(update, Update) else None


class PersistingQueue(asyncio.Queue[object]):
    """The application's update queue: ``put`` stores an update before it is queued."""

    def __init__(self) -> None:
        super().__init__()
        self._replayed: set[int] = set()

    async def put(self, item: object) -> None:
        """Store ``item`` (an update), then queue it; drop an update received before."""
        if isinstance(item, Update) and (
            item.update_id in self._replayed or not await _store(item)
        ):
            logger.info("an update arrived again; it is handled once")
            return
        await super().put(item)

    def replay(self, update: Update) -> None:
        """Queue a stored update again (not stored anew)."""
        self._replayed.add(update.update_id)
        self.put_nowait(update)


async def _store(update: Update) -> bool:
    """Store ``update``; False if it is stored already. A database failure is logged and the
    update handled anyway (not crash-safe then, but answered)."""
    user = update.effective_user
    payload = json.dumps(update.to_dict(), ensure_ascii=False)
    try:
        return await db(store_update, update.update_id,
                        pseudonym(user.id) if user else None, payload)
    except Exception as error:
        logger.error("could not store an update (%s); it is handled unsaved",
                     type(error).__name__)
        return True


class InboundLedger:
    """How much work still stands for each update; at none, its row is deleted."""

    def __init__(self) -> None:
        self._holds: dict[int, int] = {}

    def hold(self, update: Any) -> None:
        """Work for ``update`` started or was queued."""
        update_id = _update_id(update)
        if update_id is not None:
            self._holds[update_id] = self._holds.get(update_id, 0) + 1

    async def release(self, updates: Iterable[Any]) -> None:
        """Work for ``updates`` finished; delete those with nothing left."""
        finished: list[int] = []
        for update in updates:
            update_id = _update_id(update)
            if update_id is None or update_id not in self._holds:
                continue
            self._holds[update_id] -= 1
            if self._holds[update_id] <= 0:
                del self._holds[update_id]
                finished.append(update_id)
        if finished:
            try:
                await db(forget_updates, finished)
            except Exception as error:  # it is handled again at the next start
                logger.error("could not forget finished updates (%s)", type(error).__name__)

    def unfinished(self) -> int:
        """How many updates still have work (for tests and logs)."""
        return len(self._holds)


class FinishingProcessor(SimpleUpdateProcessor):
    """python-telegram-bot's default, one update at a time, holding it while handled."""

    def __init__(self, ledger: InboundLedger) -> None:
        super().__init__(max_concurrent_updates=1)
        self.ledger = ledger

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the handlers; the update is finished unless the inbox still holds it."""
        self.ledger.hold(update)
        await coroutine  # handlers' errors went to the error handler already
        # Not reached when cancelled: the row stays and the update is replayed.
        await self.ledger.release([update])


async def replay_unfinished(application: AnyApplication, max_attempts: int) -> None:
    """Queue the updates a crash left unfinished again, oldest first; give up poison ones."""
    queue = application.update_queue
    if not isinstance(queue, PersistingQueue):
        return
    again, give_up = await db(claim_unfinished, max_attempts)
    for stored in give_up:
        await _give_up(application.bot, stored)
    if give_up:
        logger.warning("gave up %d update(s) that failed %d times", len(give_up), max_attempts)
        await db(forget_updates, [stored.update_id for stored in give_up])
    broken: list[int] = []
    for stored in again:
        update = _parsed(application.bot, stored)
        if update is None:
            broken.append(stored.update_id)
        else:
            queue.replay(update)
    if broken:
        await db(forget_updates, broken)
    if again:
        logger.info("handling %d update(s) again that a restart interrupted", len(again))


def _parsed(bot: Bot, stored: StoredUpdate) -> Update | None:
    try:
        return Update.de_json(json.loads(stored.payload), bot)
    except Exception as error:
        logger.error("a stored update cannot be read (%s); dropped", type(error).__name__)
        return None


async def _give_up(bot: Bot, stored: StoredUpdate) -> None:
    """Tell the person their message could not be handled (the crisis reply first)."""
    update = _parsed(bot, stored)
    person = Person.of(update) if update is not None else None
    chat = update.effective_chat if update is not None else None
    if update is None or person is None or chat is None or chat.type != ChatType.PRIVATE:
        return
    message = update.effective_message
    try:
        if message is not None and message.text:
            await send_crisis_reply_if_needed(bot, person, message.text)
        await say(bot, person.chat_id, "pending_expired", await person.language_async())
    except TelegramError:
        logger.warning("could not tell the person that their message was given up")
