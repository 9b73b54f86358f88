"""Rasa's SQL tracker store, configured by ``DATABASE_URL`` like the rest of the project."""

from __future__ import annotations

from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain

from jmd.shared.settings import get_settings


class DatabaseUrlTrackerStore(SQLTrackerStore):
    """Keeps Rasa's conversation events in the project's database."""

    def __init__(
        self,
        domain: Domain | None = None,
        event_broker: EventBroker | None = None,
        **kwargs: Any,
    ) -> None:
        settings = get_settings()
        if settings.is_sqlite:
            settings.var_dir.mkdir(parents=True, exist_ok=True)
        kwargs.pop("host", None)
        # SQLTrackerStore takes a complete URL in `host`.
        super().__init__(
            domain=domain, host=settings.database_url, event_broker=event_broker, **kwargs
        )
        # Like the project's engines (jmd.db.engine): an error never quotes the events'
        # values (message text, the person's key). Only DDL ran before this line.
        self.engine.hide_parameters = True
