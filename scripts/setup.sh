# Sourced by run.sh and test.sh: system packages, .venv, Kube and its extras, compiled translations.
PYTHON="${PYTHON:-python3}"

install_debian_packages() {
  # Installs the packages listed in $1 that are missing (Debian/Ubuntu, as root or with sudo).
  local missing=()
  while read -r package; do
    [ -z "$package" ] && continue
    dpkg -s "$package" > /dev/null 2>&1 || missing+=("$package")
  done < <(grep -v '^#' "$1")
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if ! command -v apt-get > /dev/null; then
    echo "Please install these system packages: ${missing[*]}" >&2
    return 1
  fi
  echo "Installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
}

install_debian_packages scripts/system-packages.txt
if [ "${KUBE_SETUP_EXTRAS:-}" = "[test]" ]; then
  install_debian_packages scripts/test-system-packages.txt
fi
if [ ! -x .venv/bin/python ]; then
  echo "Creating virtual environment in .venv"
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.kube-installed${KUBE_SETUP_EXTRAS:-}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "Installing Kube and its packages"
  if ! { .venv/bin/python -m pip install --quiet --upgrade pip &&
         .venv/bin/python -m pip install --quiet -e ".${KUBE_SETUP_EXTRAS:-}"; } > .venv/pip.log 2>&1; then
    cat .venv/pip.log >&2
    return 1 2>/dev/null || exit 1
  fi
  touch "$stamp"
fi
if compgen -G "kube/translations/*/LC_MESSAGES/messages.po" > /dev/null; then
  .venv/bin/pybabel compile -d kube/translations > /dev/null 2>&1
fi
