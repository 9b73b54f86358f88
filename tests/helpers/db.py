"""Looking into a database the way an auditor would."""

from __future__ import annotations

from sqlalchemy import MetaData, String, func, select
from sqlalchemy.engine import Engine


def rows_with(engine: Engine, value: str) -> dict[str, int]:
    """Every string column of every table searched for ``value``: {"table.column": rows}."""
    metadata = MetaData()
    metadata.reflect(engine)
    found: dict[str, int] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, String):
                    query = select(func.count()).select_from(table).where(column == value)
                    count = connection.execute(query).scalar_one()
                    if count:
                        found[f"{table.name}.{column.name}"] = count
    return found
