#!/usr/bin/env bash
# Start the example library agency: makes .venv if missing, installs the
# requirements, generates the stubs into gen/ and runs agency.py with the
# arguments given (e.g. ./run.sh --listen 127.0.0.1:50090).
set -euo pipefail
cd "$(dirname "$0")"

PYTHON="${PYTHON:-python3}"
# One setup at a time: runs started together (a test suite) share .venv and gen/.
exec 9>.setup.lock
flock 9
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
# Reinstall only when requirements.txt changed since the last install.
if [ ! -f .venv/.requirements ] || ! cmp -s requirements.txt .venv/.requirements \
    || ! .venv/bin/python -c 'import grpc, grpc_tools, grpc_health, grpc_reflection, cryptography' 2>/dev/null; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
    cp requirements.txt .venv/.requirements
fi

# Regenerate the stubs only when the contract changed, so a running agency's
# files are never rewritten under it.
PROTO=../../proto/veiviser/agency/v1/agency.proto
PROTO_HASH=$(sha256sum "$PROTO" | cut -d' ' -f1)
if [ ! -f gen/.proto-hash ] || [ "$(cat gen/.proto-hash)" != "$PROTO_HASH" ]; then
    mkdir -p gen
    .venv/bin/python -m grpc_tools.protoc -I ../../proto \
        --python_out=gen --grpc_python_out=gen veiviser/agency/v1/agency.proto
    echo "$PROTO_HASH" > gen/.proto-hash
fi
flock -u 9
exec 9>&-

if [ "${1:-}" = "test" ]; then
    shift
    exec .venv/bin/python -m unittest -v test_agency "$@"
fi
exec .venv/bin/python agency.py "$@"
