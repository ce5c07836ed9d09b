#!/usr/bin/env bash
# Offline check of the Kubernetes manifests: render the base and every overlay,
# then validate each object against the Kubernetes JSON schemas (kubernetes-validate,
# strict) and this project's rules (check.py). No cluster and no network needed
# once the Python package is installed. Exits non-zero on any problem.
#
#   deploy/kubernetes/validate.sh
#
# K8S_VERSION picks the schema version (default 1.30). With kubectl on PATH the
# manifests are rendered by `kubectl kustomize`, and render.py's output must be
# identical; without kubectl, render.py renders alone. VEIVISER_RENDERER=python
# skips kubectl.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
venv="$root/.tools/venv"
k8s_version=${K8S_VERSION:-1.30}

if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import kubernetes_validate, yaml' 2>/dev/null; then
  "$venv/bin/pip" install --quiet 'kubernetes-validate==1.37.0'
fi
py="$venv/bin/python"

use_kubectl=false
if command -v kubectl >/dev/null 2>&1 && [[ "${VEIVISER_RENDERER:-}" != python ]]; then
  use_kubectl=true
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
targets=(base)
for overlay in "$here"/overlays/*/; do
  targets+=("overlays/$(basename "$overlay")")
done

for target in "${targets[@]}"; do
  name=${target//\//-}
  echo "== $target"
  if ! "$py" "$here/render.py" "$here/$target" >"$out/$name.python.yaml"; then
    echo "  FAIL render.py could not render $target"
    status=1
    continue
  fi
  rendered="$out/$name.python.yaml"
  label="$target (render.py)"
  if $use_kubectl; then
    if ! kubectl kustomize "$here/$target" >"$out/$name.kubectl.yaml"; then
      echo "  FAIL kubectl kustomize could not render $target"
      status=1
      continue
    fi
    rendered="$out/$name.kubectl.yaml"
    label="$target (kubectl kustomize)"
    "$py" "$here/check.py" compare "$out/$name.kubectl.yaml" "$out/$name.python.yaml" || status=1
  else
    echo "rendered by render.py only (no kubectl, or VEIVISER_RENDERER=python)"
  fi
  "$py" "$here/check.py" validate "$k8s_version" "$rendered" "$label" || status=1
done

if [[ $status -ne 0 ]]; then
  echo "FAILED"
else
  echo "all manifests valid (Kubernetes $k8s_version schemas, strict)"
fi
exit $status
