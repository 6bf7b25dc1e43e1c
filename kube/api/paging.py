"""Pages of API lists: `page` and `per_page` applied to a statement, and the X-Pagination header."""
from __future__ import annotations

import json

from flask_smorest import Blueprint
from sqlalchemy import Select

#: flask-smorest's page metadata, documented as what it is on the wire: a JSON string.
PAGINATION_HEADER = {
    "description": "JSON: total, total_pages, first_page, last_page, page, previous_page, next_page",
    "schema": {"type": "string"},
    "example": '{"total": 120, "total_pages": 3, "first_page": 1, "last_page": 3, "page": 1, "next_page": 2}',
}


def one_page(statement: Select, args: dict) -> Select:
    """The statement limited to page `args["page"]` of `args["per_page"]` rows."""
    return statement.limit(args["per_page"]).offset((args["page"] - 1) * args["per_page"])


def pagination_header(blp: Blueprint, args: dict, total: int) -> dict[str, str]:
    """The X-Pagination header of a page of `total` rows, as flask-smorest writes it."""
    return {"X-Pagination": json.dumps(blp._make_pagination_metadata(args["page"], args["per_page"], total))}
