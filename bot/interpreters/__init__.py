"""Volunteer interpreters, Telegram side (logic and state: :mod:`jmd.interpreters`).

Counselors keep the register in their group (:mod:`.register`); in a person's topic they
ask for an interpreter (:mod:`.chat`): the person is asked first, then the active
volunteers for the language get a private offer; the first to accept joins and the bot
relays three ways until the counselor, the interpreter, ``/done`` or the end of the
handoff ends it. A booking in a language nobody at the office speaks offers an
interpreter for the appointment (:mod:`.appointment`). :mod:`.jobs` ends what waits too
long and tells interpreters whose chat ended; :mod:`.handlers` wires it into the front.

Invariants: nobody but an active registered volunteer can accept or relay (every step
looks them up by their Telegram account in the register); an interpreter gets a
person's or counselor's message only while their assignment is active and the chat's
handoff is assigned. Volunteers read German (staff texts). Logs name people by
``short(key)`` and volunteers by their register number, never by a Telegram ID.
"""
