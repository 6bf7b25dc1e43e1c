"""Shared by the bench scripts: where the bench database lives and how the app is built for it."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
DEFAULT_DATABASE_URL = f"sqlite:///{OUT / 'kube-bench.sqlite3'}"
#: Accounts the seed creates and the runner logs in with.
BENCH_PASSWORD = "bench-password-kube"
BENCH_OFFICER = "bench-petugas"


def make_app(database_url: str):
    """The real app (production Config) on the bench database; only hashing and rate limits are relaxed."""
    from config import Config
    from kube import create_app

    return create_app(
        Config,
        SQLALCHEMY_DATABASE_URI=database_url,
        # One login per run: a fast hash keeps the set-up out of the figures, which never hash.
        PASSWORD_HASH_FAST=True,
        RATELIMIT_ENABLED=False,
        # The test client posts the login form without a browser; CSRF is not what is measured.
        WTF_CSRF_ENABLED=False,
    )
