#!/usr/bin/env bash
# Run the whole test suite: on SQLite, then on PostgreSQL when KUBE_TEST_DATABASE_URL is set.
set -euo pipefail
cd "$(dirname "$0")"
KUBE_SETUP_EXTRAS="[test]" source ./scripts/setup.sh
echo "== Import contracts (layers, see [tool.importlinter] in pyproject.toml) =="
.venv/bin/lint-imports --no-cache
echo "== Test suite on SQLite =="
env -u KUBE_TEST_DATABASE_URL .venv/bin/pytest "$@"
if [ -n "${KUBE_TEST_DATABASE_URL:-}" ]; then
  echo "== Test suite on PostgreSQL (${KUBE_TEST_DATABASE_URL}) =="
  .venv/bin/pytest "$@"
fi
