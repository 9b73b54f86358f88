"""`make export-unanswered`: questions the assistant could not answer, as CSV for editors.

Columns: text, language, guessed topic (or the topic of the 👎 answer), date, kind.
No Telegram ID and no pseudonym leave the database. The texts are what young people
wrote: every cell passes :func:`safe_cell`, so a spreadsheet never runs one as a formula.
"""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import Engine

from jmd.db import session_scope
from jmd.db.feedback import for_editors
from jmd.db.migrate import upgrade
from jmd.shared.settings import get_settings

COLUMNS = ("text", "language", "topic", "date", "kind")
# What makes Excel or LibreOffice read a cell as a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: str) -> str:
    """``value`` for a CSV cell: a leading apostrophe if it could start a formula."""
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def export(out: TextIO, days: int | None = None, engine: Engine | None = None) -> int:
    """Write the CSV to ``out``; returns the number of rows."""
    since = datetime.now(UTC) - timedelta(days=days) if days else None
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    with session_scope(engine) as session:
        for row in for_editors(session, since):
            cells = (row.text or "", row.language or "", row.topic or "",
                     row.created_at.date().isoformat(), row.kind)
            writer.writerow([safe_cell(cell) for cell in cells])
            count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="CSV file (default: standard output)")
    parser.add_argument("--days", type=int, help="only the last N days")
    args = parser.parse_args(argv)
    upgrade(get_settings().database_url)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        # utf-8-sig: Excel then shows Dari and Arabic correctly
        with args.out.open("w", encoding="utf-8-sig", newline="") as handle:
            count = export(handle, args.days)
        print(f"{count} question(s) written to {args.out}", file=sys.stderr)
    else:
        count = export(sys.stdout, args.days)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
