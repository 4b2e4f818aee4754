#!/usr/bin/env bash
# Set-up shared by scripts/run-sample.sh and scripts/test.sh: system packages where missing (apt),
# then .venv/ with the project and its dependencies. Safe to run again: it only does what is missing.
#   bash scripts/bootstrap.sh [run|test]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
purpose="${1:-run}"

# --- system packages --------------------------------------------------------------------------------
need=()
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
fc-list 2>/dev/null | grep -qi "Liberation Serif" || need+=(fonts-liberation2)   # Times New Roman metrics
have_lib libpango-1.0.so || need+=(libpango-1.0-0 libpangoft2-1.0-0)            # WeasyPrint
have_lib libharfbuzz-subset.so || need+=(libharfbuzz-subset0)                    # fast font subsetting
if [ "$purpose" = test ]; then
  command -v pdftoppm >/dev/null || need+=(poppler-utils)                        # PDF -> PNG checks
  command -v soffice >/dev/null || need+=(libreoffice-writer)                    # DOCX opens in LibreOffice
  command -v chromium >/dev/null || need+=(chromium)                              # Prefect UI browser test
  command -v softhsm2-util >/dev/null || need+=(softhsm2)                         # a real PKCS#11 token
  command -v pkcs11-tool >/dev/null || need+=(opensc)                             # puts keys on it
fi
if [ ${#need[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo -n"
    echo "bootstrap: installing ${need[*]} (apt)" >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null \
      && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
      || echo "bootstrap: could not install ${need[*]}; PDFs fall back to another serif font" >&2
  else
    echo "bootstrap: please install ${need[*]} (no apt-get here)" >&2
  fi
fi

# --- Python environment -----------------------------------------------------------------------------
PY="${PYTHON:-python3}"
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || { echo "bootstrap: Python 3.11 or newer is needed ($PY is $("$PY" --version 2>&1))" >&2; exit 1; }
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "bootstrap: installing Python packages into .venv (about a minute)" >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]" 2>&1 | grep -v -i "warning" || true
  .venv/bin/python -c "import baocao, prefect, weasyprint, docxtpl" \
    || { echo "bootstrap: the Python install failed" >&2; exit 1; }
  rm -f .venv/.installed-* && touch "$stamp"
fi
