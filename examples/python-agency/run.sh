#!/usr/bin/env bash
# Start the example library agency: makes .venv if missing, installs the
# requirements, generates the stubs into gen/ and runs agency.py with the
# arguments given (e.g. ./run.sh --listen 127.0.0.1:50090).
set -euo pipefail
cd "$(dirname "$0")"

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
# Reinstall only when requirements.txt changed since the last install.
if [ ! -f .venv/.requirements ] || ! cmp -s requirements.txt .venv/.requirements \
    || ! .venv/bin/python -c 'import grpc, grpc_tools, grpc_health, grpc_reflection, cryptography' 2>/dev/null; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
    cp requirements.txt .venv/.requirements
fi

mkdir -p gen
.venv/bin/python -m grpc_tools.protoc -I ../../proto \
    --python_out=gen --grpc_python_out=gen veiviser/agency/v1/agency.proto

if [ "${1:-}" = "test" ]; then
    shift
    exec .venv/bin/python -m unittest -v test_agency "$@"
fi
exec .venv/bin/python agency.py "$@"
