"""Gunicorn settings for ./run.sh (gunicorn also reads this file by itself when started in this folder).

Login rate limits only hold when every worker counts in the same place. When
RATELIMIT_STORAGE_URI is not set and KUBE_ENV is not production, the local Redis is used if it
answers; with memory:// storage (per process) gunicorn runs one worker and says so. Production
sets RATELIMIT_STORAGE_URI itself (the app refuses memory:// there).

Gunicorn (22 and later) sends `Server: gunicorn` without its version; tests/test_serving.py holds that.
"""
from __future__ import annotations

import os
from urllib.parse import urlsplit

#: The Redis that ./run.sh uses for the login limits when it answers.
LOCAL_REDIS = "redis://127.0.0.1:6379/0"


def redis_answers(url: str, timeout_s: float = 0.5) -> bool:
    """Whether a Redis server answers PING at `url` within `timeout_s`."""
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # not installed, refused, timed out: no shared store here
        return False


def without_credentials(uri: str) -> str:
    """A storage URI fit for a log: any user and password taken out."""
    parts = urlsplit(uri)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def per_process_storage(uri: str) -> bool:
    """Whether a limiter storage URI counts in each process on its own."""
    return uri.strip().lower().startswith("memory://")


if not os.environ.get("RATELIMIT_STORAGE_URI") and os.environ.get("KUBE_ENV") != "production":
    if redis_answers(LOCAL_REDIS):
        os.environ["RATELIMIT_STORAGE_URI"] = LOCAL_REDIS  # the workers inherit it (no preloading)


def on_starting(server):
    """With per-process limit counters, serve with one worker so the login limit is the one configured."""
    storage = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    if per_process_storage(storage):
        if server.num_workers > 1:
            server.num_workers = 1
        server.log.warning(
            "Login rate limits are counted in memory (RATELIMIT_STORAGE_URI=%s): serving with ONE worker. "
            "Start Redis (%s) or set RATELIMIT_STORAGE_URI to a Redis to serve with several.", storage, LOCAL_REDIS)
    else:
        server.log.info("Login rate limits are shared by %d workers through %s", server.num_workers,
                        without_credentials(storage))
