"""The personal-data registry: every table with a person's key is declared, once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import inspect

from jmd import personal_data
from jmd.db.engine import make_engine
from jmd.db.models import Base
from jmd.personal_data import (
    REGISTRY,
    ByHook,
    hooked_tables,
    register_erasure_hook,
    register_retention_hook,
    retention_hooks,
    tables_left_to_hooks,
)


def registered() -> set[str]:
    return {entry.table_name for entry in REGISTRY}


def test_every_model_with_a_persons_key_is_in_the_registry() -> None:
    """A new model with ``person_key`` fails here until it has its line in REGISTRY."""
    keyed = {name for name, table in Base.metadata.tables.items()
             if "person_key" in table.columns}
    assert keyed, "the models have tables with person_key"
    assert keyed <= registered(), f"missing in REGISTRY: {sorted(keyed - registered())}"


def test_every_migrated_table_with_a_persons_key_is_in_the_registry(database_url: str) -> None:
    """The migrations too (a table added by hand in a migration has no model)."""
    engine = make_engine(database_url)
    inspector = inspect(engine)
    keyed = {t for t in inspector.get_table_names()
             if "person_key" in {c["name"] for c in inspector.get_columns(t)}}
    assert keyed <= registered(), f"missing in REGISTRY: {sorted(keyed - registered())}"
    engine.dispose()


def test_each_table_once_persons_last_rasa_optional() -> None:
    names = [entry.table_name for entry in REGISTRY]
    assert len(names) == len(set(names)), "one entry per table"
    assert names[-1] == "persons", "persons go once nothing refers to them"
    by_name = {entry.table_name: entry for entry in REGISTRY}
    assert by_name["events"].optional and by_name["events"].key_column == "sender_id"
    assert not any(entry.optional for entry in REGISTRY if entry.table_name != "events")
    assert tables_left_to_hooks() == {"counselor_topics"}
    assert isinstance(by_name["counselor_topics"].expires, ByHook)


async def test_hooks_are_registered_in_order_and_unregistered() -> None:
    ran: list[str] = []

    async def first(key: str) -> None:
        ran.append(f"first {key}")

    async def second(key: str) -> None:
        ran.append(f"second {key}")

    async def topics(cutoff: datetime) -> dict[str, int]:
        return {"counselor_topics": 0}

    before = list(personal_data.erasure_hooks())
    unregister = [register_erasure_hook(first), register_erasure_hook(second),
                  register_retention_hook(topics, tables=["counselor_topics"])]
    try:
        for hook in personal_data.erasure_hooks()[len(before):]:
            await hook("k")
        assert ran == ["first k", "second k"]
        assert topics in retention_hooks() and "counselor_topics" in hooked_tables()
    finally:
        for undo in unregister:
            undo()
            undo()  # twice is harmless
    assert personal_data.erasure_hooks() == before
    assert topics not in retention_hooks()
