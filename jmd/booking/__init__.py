"""Counselling appointments as plain, testable logic: nothing here imports Rasa or Telegram.

``questions`` is the booking form's one table; ``dialogue`` decides from it; ``vocabulary``
reads typed words, ``present`` writes labels and dates; ``free`` finds free slots,
``service`` books them (the database guarantees one active booking per slot); ``reminders``,
``ics``, ``imports`` and ``seed`` serve the front and the counselors.
"""
