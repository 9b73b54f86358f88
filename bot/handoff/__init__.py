"""Handoff to a counselor, Telegram side: the counselor group, its topics and cards.

The counselor group (``COUNSELOR_CHAT_ID``) is a forum supergroup. Each young person has
one topic there (created on the first handoff, reused, recreated when it was deleted),
titled with a pseudonym, language and office. A handoff posts a card with "Übernehmen".

* ``open``: nobody has taken it yet. The person's messages still go to Rasa, and their
  texts and media are also copied into the topic so counselors see what happens meanwhile.
* ``assigned``: the first counselor who pressed "Übernehmen" writes with the person. The
  person's messages (text, media, commands) are copied into the topic and not sent to
  Rasa; what that counselor writes in the topic is copied to the person. Other
  counselors' messages stay internal. ``/done`` in the topic closes the handoff.
* ``closed``: Rasa answers again.

Modules: :mod:`.person` (the request, and routing the person's messages: the chat inbox
asks it before every job; crisis, /bot), :mod:`.counselor` (take, /done, messages out),
:mod:`.mirror` (the paced queue into the group) and :mod:`.delivery` (what it sends, and
what happens to what the group refuses), :mod:`.topics` (forum topics),
:mod:`.maintenance` (timeouts, retention, erasure), :mod:`.idle` (idle handoffs closed),
:mod:`.common` (what they share). All state is in the database (:mod:`jmd.handoff`), so a
restart changes nothing. Logs name people only by ``short(key)``, never by a Telegram ID,
and never quote messages.
"""
