#!/usr/bin/env bash
# Regenerate the README screenshots (docs/screenshots/*.png) by running the browser tests, which save them
# when KUBE_SCREENSHOT_DIR is set. Needs the test extras and Debian's chromium and poppler-utils.
set -euo pipefail
cd "$(dirname "$0")/.."
KUBE_SCREENSHOT_DIR="$PWD/docs/screenshots" env -u KUBE_TEST_DATABASE_URL .venv/bin/pytest tests/browser -q "$@"
ls -l docs/screenshots/*.png
