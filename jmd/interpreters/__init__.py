"""Volunteer interpreters: the register kept by counselors, and interpreter assignments.

:mod:`.register` is the register (name, languages, Telegram account, active, pledge date);
:mod:`.assignments` the requests for a person's chat or appointment: asked → searching →
active → ended, the first accept winning by one conditional UPDATE. No Telegram here:
the front (``bot/interpreters/``) sends what these functions decide.
"""
