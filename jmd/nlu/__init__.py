"""Everything that runs inside the Rasa server's own environment (Python 3.10, Rasa 3.6).

The NLU components named in ``config.yml``, the training-data importer, the channel the
Telegram front talks to, the tracker store, and the evaluation and training benchmark.
Only this package imports ``rasa``; it may import ``jmd.shared`` and nothing else of ``jmd``.
"""
