"""Domain events and the one table of what follows them.

Every change is recorded by `audit.record`, which hands a `DomainEvent` to `record()` here.
The event then meets the handler table twice:
- as it is recorded, in the change's transaction (`during`): what must commit or roll
  back with the change (the notification outbox) or be read while the transaction still
  sees the state the change left (the Prefect event's resource names);
- once more, all together, just before the transaction commits (`closing`): what is
  decided once per change from the state it left (whether a case's automated step is due);
- once the unit of work (`engine.transaction`) committed (`after`): with all the
  transaction's events in order, for the effects outside the database (Prefect events,
  the public cache, starting automated work). A rolled-back transaction dispatches nothing.

The table is built once per process, at its first event, by `snicert.effects.table()`
from the operator's configuration; tests swap it with `use()`. This module is part of the
database layer: it imports nothing above it (the table's handlers are given to it).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from snicert.db.models import AuditEvent, User
from snicert.roles import Role


@dataclass
class DomainEvent:
    """One recorded change: its audit row, who made it, and what `during` handlers noted
    for the `after` ones (read in the transaction, used after it)."""

    audit: AuditEvent
    actor: User | None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def action(self) -> str:
        return self.audit.action

    @property
    def entity(self) -> str:
        return self.audit.entity

    @property
    def application_id(self) -> int | None:
        return self.audit.application_id

    @property
    def by_person(self) -> bool:
        """A person acted (not the system user, not the operator's shell)."""
        return self.actor is not None and Role.SYSTEM not in self.actor.roles


During = Callable[[Session, DomainEvent], None]
After = Callable[[Sequence[DomainEvent]], None]
Closing = Callable[[Session, Sequence[DomainEvent]], None]


@dataclass(frozen=True)
class Table:
    """What follows every domain event. `automation` says how automated work is started
    (`local`: in this process; `deployment`: as Prefect deployment runs; `off`: by no one
    here, for service-only use and tests) for the code that waits for or starts it."""

    automation: str
    during: tuple[tuple[str, During], ...] = ()
    after: tuple[tuple[str, After], ...] = ()
    closing: tuple[tuple[str, Closing], ...] = ()
    # starts one application's automated work (None: no one here starts it)
    start: Callable[[int], None] | None = None

    def names(self) -> list[str]:
        return [name for name, _ in self.during + self.closing + self.after]


_EVENTS = "snicert_domain_events"
_installed: Table | None = None


def install(table: Table) -> None:
    global _installed
    _installed = table


def current() -> Table:
    """The process's table (built from the configuration on first use)."""
    if _installed is None:
        # named, not imported: the table's builder lives above this layer
        install(importlib.import_module("snicert.effects").table())
    assert _installed is not None
    return _installed


@contextmanager
def use(table: Table) -> Iterator[Table]:
    """Swap the table for a while (tests switch effects on and off with it)."""
    global _installed
    saved = _installed
    _installed = table
    try:
        yield table
    finally:
        _installed = saved


def record(s: Session, event: DomainEvent) -> None:
    """An event happened in `s`'s transaction: run the `during` handlers now and keep it
    for the `after` ones, which the unit of work runs after its commit."""
    for _, handle in current().during:
        handle(s, event)
    s.info.setdefault(_EVENTS, []).append(event)


def close(s: Session) -> None:
    """Before the commit: every `closing` handler sees the transaction's events, in order,
    and may still write in it."""
    evs = s.info.get(_EVENTS)
    if evs:
        for _, handle in current().closing:
            handle(s, evs)


def take(s: Session) -> list[DomainEvent]:
    """The events recorded in `s` since the last take (the unit of work ends with it)."""
    return s.info.pop(_EVENTS, [])


def dispatch(events: Sequence[DomainEvent]) -> None:
    """After the commit: every `after` handler sees the transaction's events, in order."""
    if not events:
        return
    for _, handle in current().after:
        handle(events)
