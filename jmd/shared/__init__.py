"""What both environments import: the Rasa server's (Python 3.10) and the rest's (≥ 3.12).

Settings, languages and language detection, the text normaliser, the crisis phrases, FAQ
topic files and the parse format. Nothing here imports Rasa, SQLAlchemy or Telegram
(``tests/test_environments.py`` checks it), so it runs unchanged on both sides.
"""
