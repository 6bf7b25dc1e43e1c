"""Pages of lists: the `?page=` argument, and pagination of a list already in memory."""
from __future__ import annotations

import math
from dataclasses import dataclass

from flask import request

#: Page numbers beyond any real list are clamped so they never reach the database as huge offsets.
MAX_PAGE = 100_000


def page_arg() -> int:
    """`?page=N` of this request, clamped to 1..MAX_PAGE (junk means 1)."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)


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
        pages = max(1, math.ceil(len(rows) / per_page))
        page = min(max(1, page), pages)
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
