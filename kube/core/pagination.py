"""Pages of lists: the `?page=` argument, one page of a query (never past the end), and of a list in memory."""
from __future__ import annotations

import math
from dataclasses import dataclass

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select

from kube.extensions import db

#: Page numbers beyond any real list are clamped so they never reach the database as huge offsets.
MAX_PAGE = 100_000


def page_arg() -> int:
    """`?page=N` of this request, clamped to 1..MAX_PAGE (junk means 1)."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)


class RowPagination(SelectPagination):
    """`db.paginate` for a select of several columns: items are whole rows, the total comes from `count_select`."""

    def _query_items(self) -> list:
        statement = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(statement).all())

    def _query_count(self) -> int:
        return self._query_args["session"].scalar(self._query_args["count_select"]) or 0


def paginate(statement: Select, per_page: int | None = None, *, page: int | None = None,
             count_statement: Select | None = None) -> Pagination:
    """One page of `statement` for this request's `?page=`; a page past the end shows the last one.

    The one way every list page pages: the number is clamped before it reaches the database
    (a huge offset overflowed SQLite), and a stale link to page 40 of a list that shrank shows
    its last page instead of nothing. With `count_statement` the items are whole rows
    (several columns) and the total is that statement's count.
    """
    per_page = per_page or current_app.config["PER_PAGE"]

    def page_number(number: int) -> Pagination:
        if count_statement is not None:
            return RowPagination(select=statement, count_select=count_statement, session=db.session, page=number,
                                 per_page=per_page, error_out=False)
        return db.paginate(statement, page=number, per_page=per_page, error_out=False)

    result = page_number(page if page is not None else page_arg())
    if result.total and result.page > result.pages:
        result = page_number(result.pages)
    return result


def clamp_page(page: int, total: int, per_page: int) -> int:
    """The page to show of `total` rows: at least 1, and a page past the end shows the last one."""
    return min(max(1, page), max(1, math.ceil(total / per_page)))


@dataclass
class ListPage:
    """One page of an in-memory list, shaped like Flask-SQLAlchemy's pagination for the `pagination` macro."""

    items: list
    page: int
    per_page: int
    total: int

    @classmethod
    def of(cls, rows: list, page: int, per_page: int) -> ListPage:
        """The page-th slice of `rows` (pages past the end clamp to the last one)."""
        page = clamp_page(page, len(rows), per_page)
        start = (page - 1) * per_page
        return cls(rows[start:start + per_page], page, per_page, len(rows))

    @property
    def pages(self) -> int:
        """Number of pages (at least one)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        """Whether there is a page before this one."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether there is a page after this one."""
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        """The previous page number."""
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        """The next page number."""
        return self.page + 1 if self.has_next else None
