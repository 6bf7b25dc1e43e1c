#!/usr/bin/env bash
# Re-extract translatable strings and merge them into the English catalog (then translate new entries).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o kube/translations/messages.pot .
.venv/bin/pybabel update -i kube/translations/messages.pot -d kube/translations
.venv/bin/pybabel compile -d kube/translations
