"""The one transaction edge: a request's or a command's work is committed here, or rolled back.

Operations change the session and flush; they never commit. The edge decides:

- `committed()`: a block whose work is committed when it ends, rolled back on any error;
- `attempt(form)`: the same for a form view, which goes on after a refused rule: the error is
  shown on the form (or flashed) and nothing of the refused change is kept;
- `transactional`: a decorator for API routes, committing a success and rolling back an error
  answer or exception;
- `committed_after_response(work)`: a read-only page's one write (such as the record that it
  showed full NIKs), committed once its answer is built.

The 500 handler rolls back too (kube.errors), so no other code calls `commit()`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps

from flask import after_this_request, current_app, flash
from flask_wtf import FlaskForm

from kube.core.database import immediate_transactions
from kube.core.errors import DomainError
from kube.core.forms import FieldResolver, show_domain_error
from kube.extensions import db


@contextmanager
def committed() -> Iterator[None]:
    """Commit what the block changed; roll it back and re-raise on any error."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


@dataclass
class Outcome:
    """How a form view's attempt ended: `ok` when committed, else the refusal in `error`."""

    ok: bool = False
    error: DomainError | None = None


@contextmanager
def attempt(form: FlaskForm | None = None, *, resolve: FieldResolver | None = None,
            show: bool = True) -> Iterator[Outcome]:
    """Commit the block's work, or roll it back on a refused rule and show why; the view goes on either way.

    The refusal is shown on `form` (next to its fields, see `show_domain_error`) or, without a
    form, flashed; `show=False` leaves it to the view, which finds it in `outcome.error`.
    Anything other than a DomainError is rolled back and raised (the 500 page).
    """
    outcome = Outcome()
    try:
        with committed():
            yield outcome
    except DomainError as error:
        outcome.error = error
        if show and form is not None:
            show_domain_error(form, error, resolve)
        elif show:
            flash(error.message, "error")
    else:
        outcome.ok = True


def transactional(view):
    """Commit an API route's work when it answers below 400; roll back an error answer or exception."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        with committed():
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code >= 400:
                db.session.rollback()
        return response

    return wrapper


def committed_after_response(work: Callable[[], object]) -> None:
    """Do `work` and commit it after the view's answer is built, if that answer is a success.

    Committing earlier would expire every object the page or JSON is about to show, and reload
    each one; an error answer showed nothing, so it records nothing. `work` runs in a transaction
    of its own, begun as a writer: on SQLite the view's read transaction cannot always become a
    write one (after another writer's commit it fails at once, "database is locked"), so it is
    ended first, and `work` must use plain values, not the view's (by then expired) objects.
    """

    @after_this_request
    def commit(response):
        if response.status_code < 400:
            db.session.rollback()  # the view only read: nothing is lost
            with immediate_transactions(), committed():
                work()
        return response
