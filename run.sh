#!/usr/bin/env bash
# Set up and run Kube locally: virtual environment, packages, database, demo data, server.
set -euo pipefail
cd "$(dirname "$0")"
source ./scripts/setup.sh
.venv/bin/flask --app wsgi db upgrade
.venv/bin/flask --app wsgi demo --if-empty
# The stored flags go stale as days pass (a report due date, a new month): bring them up to date at start.
.venv/bin/flask --app wsgi flags refresh
echo "Kube is running on http://127.0.0.1:5000 (Ctrl+C to stop)"
# gunicorn.conf.py shares the login limits between the workers (local Redis), or serves with one.
exec .venv/bin/gunicorn --config gunicorn.conf.py --workers 2 --bind 127.0.0.1:5000 --access-logfile - wsgi:app
