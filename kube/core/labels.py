"""Turning stored codes into words: the one shape of every feature's label functions and template filters."""
from __future__ import annotations

from collections.abc import Callable, Mapping

from kube.core.formatting import NOTHING


def N_(text: str) -> str:
    """Mark `text` for the catalog without translating it yet (pybabel extracts `N_`); gettext it where it is shown."""
    return text


def labeller(labels: Mapping[str, object], doc: str, default: str | None = None) -> Callable[[str | None], str]:
    """A function giving a code's label from `labels`; an unknown code gives `default`, or the code itself."""

    def label(code: str | None) -> str:
        found = labels.get(code)
        if found is not None:
            return str(found)
        return default if default is not None else (code or NOTHING)

    label.__doc__ = doc
    return label
