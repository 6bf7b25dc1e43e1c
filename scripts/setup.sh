# Sourced by run.sh and test.sh: create .venv, install Kube (and extras), compile translations.
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "Creating virtual environment in .venv"
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.kube-installed${KUBE_SETUP_EXTRAS:-}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "Installing Kube and its packages"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".${KUBE_SETUP_EXTRAS:-}"
  touch "$stamp"
fi
if compgen -G "kube/translations/*/LC_MESSAGES/messages.po" > /dev/null; then
  .venv/bin/pybabel compile -d kube/translations > /dev/null 2>&1
fi
