"""Which backups a folder keeps: the newest of each of the last 7 days, 4 ISO weeks and 12 months that have backups.

Pure functions over file names: the moment is read from the name Kube gave the file (never from
the file's time stamps, which copying changes), and only names of that exact pattern are ever
candidates for deletion.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime

from kube.backup.archive import SUFFIX

#: kube-2026-03-05T020000.kubebackup (the office's local time).
_NAME = re.compile(r"kube-(\d{4})-(\d{2})-(\d{2})T(\d{2})(\d{2})(\d{2})" + re.escape(SUFFIX))
DAILY, WEEKLY, MONTHLY = 7, 4, 12


def backup_name(moment: datetime) -> str:
    """The file name of a backup taken at `moment` (the office's local time)."""
    return f"kube-{moment:%Y-%m-%dT%H%M%S}{SUFFIX}"


def parse_backup_name(name: str) -> datetime | None:
    """The moment in a backup's file name; None for any other name (such files are never touched)."""
    match = _NAME.fullmatch(name)
    if match is None:
        return None
    try:
        return datetime(*(int(part) for part in match.groups()))
    except ValueError:  # kube-2026-13-45T..., not a name Kube writes
        return None


def _newest_per_bucket(ordered: list[datetime], bucket: Callable[[datetime], Hashable], count: int) -> set[datetime]:
    """The newest moment of each of the `count` most recent buckets that hold any (`ordered` newest first)."""
    kept: dict[Hashable, datetime] = {}
    for moment in ordered:
        key = bucket(moment)
        if key not in kept:
            if len(kept) == count:
                break
            kept[key] = moment
    return set(kept.values())


def retained(moments: Iterable[datetime], daily: int = DAILY, weekly: int = WEEKLY,
             monthly: int = MONTHLY) -> set[datetime]:
    """The moments to keep: the union of the newest per day, per ISO week and per month, each over its last buckets.

    Buckets are counted among those that have backups (as restic's --keep-daily does), so a week
    without backups does not shorten what is kept.
    """
    ordered = sorted(set(moments), reverse=True)
    return (_newest_per_bucket(ordered, lambda moment: moment.date(), daily)
            | _newest_per_bucket(ordered, lambda moment: moment.isocalendar()[:2], weekly)
            | _newest_per_bucket(ordered, lambda moment: (moment.year, moment.month), monthly))


def names_to_delete(names: Iterable[str], daily: int = DAILY, weekly: int = WEEKLY,
                    monthly: int = MONTHLY) -> list[str]:
    """Of a folder's file names, the Kube backups the rule does not keep (other names are never returned)."""
    moments = {name: moment for name in names if (moment := parse_backup_name(name)) is not None}
    keep = retained(moments.values(), daily, weekly, monthly)
    return sorted(name for name, moment in moments.items() if moment not in keep)
