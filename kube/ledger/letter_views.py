"""Grant letter pages: download, bulk export and the public verification page."""
from __future__ import annotations

from kube.ledger import bp  # noqa: F401
