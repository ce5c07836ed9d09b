#!/usr/bin/env bash
# Builds the two public base images deploy/Dockerfile starts from, from local
# parts, for machines that cannot pull from a registry (CI here):
#   debian:bookworm-slim  a Debian root made by debootstrap (minbase)
#   rust:1.95-bookworm    that root plus gcc and this machine's Rust toolchain
# They are tagged with the public names, so the Dockerfile is unchanged. On a
# machine with registry access, skip this: `docker build` pulls the real ones.
set -euo pipefail

RUST_IMAGE=rust:1.95-bookworm
DEBIAN_IMAGE=debian:bookworm-slim
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
work=$(mktemp -d /tmp/veiviser-base.XXXXXX)
trap 'rm -rf "$work"' EXIT

have() { docker image inspect "$1" >/dev/null 2>&1; }
if have "$DEBIAN_IMAGE" && have "$RUST_IMAGE"; then
  echo "base images present" >&2
  exit 0
fi

if ! command -v debootstrap >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

echo "debootstrap bookworm (minbase)" >&2
debootstrap --variant=minbase bookworm "$work/root" "$MIRROR" >/dev/null
rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*

if ! have "$DEBIAN_IMAGE"; then
  echo "importing $DEBIAN_IMAGE" >&2
  tar -C "$work/root" -c . | docker import - "$DEBIAN_IMAGE" >/dev/null
fi

if ! have "$RUST_IMAGE"; then
  echo "adding gcc and the Rust toolchain for $RUST_IMAGE" >&2
  chroot "$work/root" /bin/sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libc6-dev ca-certificates >/dev/null && rm -rf /var/lib/apt/lists/*"
  toolchain=$(rustc --print sysroot)
  mkdir -p "$work/root/usr/local/rust" "$work/root/usr/local/cargo"
  tar -C "$toolchain" --exclude=share/doc --exclude=lib/rustlib/src -c . | tar -C "$work/root/usr/local/rust" -x
  # This machine's trust store (it may hold a proxy's CA) and crates it already
  # downloaded, so the image builds here without surprises.
  cp /etc/ssl/certs/ca-certificates.crt "$work/root/etc/ssl/certs/ca-certificates.crt"
  if [ -d "${CARGO_HOME:-$HOME/.cargo}/registry" ]; then
    cp -r "${CARGO_HOME:-$HOME/.cargo}/registry" "$work/root/usr/local/cargo/registry"
  fi
  tar -C "$work/root" -c . | docker import \
    --change 'ENV PATH=/usr/local/cargo/bin:/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV CARGO_HOME=/usr/local/cargo' \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    - "$RUST_IMAGE" >/dev/null
fi
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E "^(rust|debian):" >&2
