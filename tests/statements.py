"""Counting the SQL statements a piece of work sends, for the tests that keep query counts fixed."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event

#: Transaction control that SQLAlchemy sends itself; not a query of the code under test.
TRANSACTION_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE")


@contextmanager
def recorded_statements(engine, transaction_control: bool = True) -> Iterator[list[str]]:
    """Collect every statement `engine` sends inside the block (without BEGIN/SAVEPOINT/RELEASE if asked)."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if transaction_control or not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def statement_count(engine, work: Callable[[], object]) -> int:
    """How many statements `work()` sends."""
    with recorded_statements(engine) as statements:
        work()
    return len(statements)


def page_statement_count(app, db, client, url: str) -> int:
    """How many statements a GET of `url` sends.

    The request runs in its own app context, so it gets a fresh session as in production instead of
    finding objects already loaded by the test in the shared one.
    """
    # The test's own session ends its transaction first: pages that show full NIKs write a record
    # of it, and SQLite has one writer (an open transaction here would lock the page out, or go stale).
    db.session.commit()
    with app.app_context():
        with recorded_statements(db.engine) as statements:
            response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements)
