"""The ledger is append-only: no code path may update or delete journal entries or their lines."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session, ORMExecuteState

from kube.ledger.models import JournalEntry, JournalLine

PROTECTED_TABLES = frozenset({"journal_entries", "journal_lines"})


class LedgerIsAppendOnly(RuntimeError):
    """Raised when anything tries to change or remove a posted entry or line."""


def _refuse_row_change(mapper, connection, target):
    raise LedgerIsAppendOnly(f"{type(target).__name__} {target.id} is posted and cannot be changed or deleted")


for _model in (JournalEntry, JournalLine):
    event.listen(_model, "before_update", _refuse_row_change)
    event.listen(_model, "before_delete", _refuse_row_change)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState):
    """Bulk `update()`/`delete()` statements bypass row events; refuse them for ledger tables too."""
    if state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is not None and table.name in PROTECTED_TABLES:
            raise LedgerIsAppendOnly(f"{table.name} is append-only")
