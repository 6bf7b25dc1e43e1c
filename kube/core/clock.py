"""The office's clock: dates are the office's (Asia/Jakarta), not the server's, which usually runs in UTC."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app


def utc_now() -> datetime:
    """The current moment in UTC (tests replace this to stand at a chosen moment)."""
    return datetime.now(timezone.utc)


def office_timezone() -> ZoneInfo:
    """The office's time zone (Asia/Jakarta), where due dates and 'today' are counted."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def office_today() -> date:
    """Today's date at the office: between 17:00 and 24:00 UTC it is already tomorrow in Jakarta."""
    return utc_now().astimezone(office_timezone()).date()
