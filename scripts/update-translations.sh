#!/usr/bin/env bash
# Re-extract translatable strings and merge them into the English catalog (then translate new entries).
# --ignore-dirs '.*': pybabel skips folders starting with _ by default, and templates/_partials holds the pager.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel extract -F babel.cfg --ignore-dirs '.*' -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o kube/translations/messages.pot .
.venv/bin/pybabel update --no-fuzzy-matching --ignore-obsolete -i kube/translations/messages.pot -d kube/translations
.venv/bin/pybabel compile -d kube/translations
