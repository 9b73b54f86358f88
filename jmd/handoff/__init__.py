"""Handing a conversation over to a counselor: plain Python and SQL, no Telegram.

A handoff is ``open`` (waiting for a counselor), ``assigned`` (a counselor writes with the
person; Rasa is paused) or ``closed``. At most one per person is not closed (a partial
unique index). No message text is stored: the person's forum topic in the counselor group
is the transcript.

* :mod:`jmd.handoff.request`: what ``action_handoff`` asks the front for (both environments).
* :mod:`jmd.handoff.state`: handoffs in the database; returns frozen views, never ORM rows.
* :mod:`jmd.handoff.topics`: which forum topic belongs to which person.
* :mod:`jmd.handoff.counselors`: who may act as a counselor; the person's next appointment.
* :mod:`jmd.handoff.cards`: what counselors read (card, topic title), from the text catalogue.

The Telegram side is :mod:`bot.handoff`; office hours are in :mod:`jmd.content.offices`.
"""
