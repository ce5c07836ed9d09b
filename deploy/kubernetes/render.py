#!/usr/bin/env python3
"""A small stand-in for `kubectl kustomize`, for machines without kubectl.

It supports only what deploy/kubernetes uses, and refuses anything else:
  resources   files, or directories with a kustomization.yaml (built first)
  namespace   set on every namespaced object
  labels      pairs added to metadata.labels; includeTemplates adds them to pod
              templates (and, as kustomize does, to StatefulSet volumeClaimTemplates);
              includeSelectors is not supported
  images      name -> newName / newTag / digest, in containers and initContainers
  patches     path: or patch:, optional target (kind, name, labelSelector with
              key=value terms); a YAML list is a JSON6902 patch (add, replace,
              remove), a map is a strategic-merge patch (null deletes a field,
              `$patch: delete` deletes the object, lists merge on the keys below)
Transformers run in kustomize's order: patches, namespace, labels, images.

Usage: render.py DIR   (prints the objects as a YAML stream)
"""

import copy
import os
import sys

import yaml

SUPPORTED = {"apiVersion", "kind", "namespace", "labels", "resources", "images", "patches"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume",
                  "StorageClass", "CustomResourceDefinition", "PriorityClass"}
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}
# Strategic-merge keys of the lists these manifests patch; other lists are replaced.
MERGE_KEYS = {"containers": "name", "initContainers": "name", "env": "name",
              "volumes": "name", "volumeMounts": "mountPath", "imagePullSecrets": "name"}
# Output order, like kustomize's: what others depend on first.
ORDER = ["Namespace", "ServiceAccount", "ConfigMap", "Secret", "Service",
         "PersistentVolumeClaim", "Deployment", "StatefulSet", "PodDisruptionBudget"]


class RenderError(Exception):
    pass


def load_yaml_stream(path):
    with open(path) as f:
        return [doc for doc in yaml.safe_load_all(f) if doc is not None]


def build(directory):
    path = os.path.join(directory, "kustomization.yaml")
    if not os.path.isfile(path):
        raise RenderError(f"{directory}: no kustomization.yaml")
    with open(path) as f:
        kust = yaml.safe_load(f) or {}
    unknown = set(kust) - SUPPORTED
    if unknown:
        raise RenderError(f"{path}: unsupported fields {sorted(unknown)}")

    objects = []
    for entry in kust.get("resources", []):
        target = os.path.normpath(os.path.join(directory, entry))
        objects.extend(build(target) if os.path.isdir(target) else load_yaml_stream(target))

    for patch in kust.get("patches", []):
        objects = apply_patch(objects, patch, directory)
    if "namespace" in kust:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj["metadata"]["namespace"] = kust["namespace"]
    for label in kust.get("labels", []):
        add_labels(objects, label)
    for image in kust.get("images", []):
        set_image(objects, image)
    return objects


def add_labels(objects, label):
    if label.get("includeSelectors") or set(label) - {"pairs", "includeTemplates"}:
        raise RenderError(f"labels: only pairs and includeTemplates are supported: {label}")
    pairs = label["pairs"]
    for obj in objects:
        obj["metadata"].setdefault("labels", {}).update(pairs)
        if label.get("includeTemplates") and obj["kind"] in WORKLOADS:
            template = obj["spec"]["template"].setdefault("metadata", {})
            template.setdefault("labels", {}).update(pairs)
        if label.get("includeTemplates") and obj["kind"] == "StatefulSet":
            for claim in obj["spec"].get("volumeClaimTemplates", []):
                claim["metadata"].setdefault("labels", {}).update(pairs)


def split_image(image):
    name, digest = (image.split("@", 1) + [None])[:2]
    tag = None
    if ":" in name.rsplit("/", 1)[-1]:
        name, tag = name.rsplit(":", 1)
    return name, tag, digest


def set_image(objects, rule):
    if set(rule) - {"name", "newName", "newTag", "digest"}:
        raise RenderError(f"images: unsupported fields in {rule}")
    for obj in objects:
        if obj["kind"] not in WORKLOADS:
            continue
        pod = obj["spec"]["template"]["spec"]
        for container in pod.get("containers", []) + pod.get("initContainers", []):
            name, tag, digest = split_image(container["image"])
            if name != rule["name"]:
                continue
            name = rule.get("newName", name)
            if "digest" in rule:
                container["image"] = f"{name}@{rule['digest']}"
            else:
                tag = rule.get("newTag", tag)
                container["image"] = name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")


def matches(obj, target):
    if set(target) - {"kind", "name", "labelSelector"}:
        raise RenderError(f"patch target: unsupported fields in {target}")
    if "kind" in target and obj["kind"] != target["kind"]:
        return False
    if "name" in target and obj["metadata"]["name"] != target["name"]:
        return False
    labels = obj["metadata"].get("labels", {})
    for term in filter(None, target.get("labelSelector", "").split(",")):
        if "=" not in term or "!=" in term:
            raise RenderError(f"labelSelector: only key=value terms are supported: {term}")
        key, value = term.split("=", 1)
        if labels.get(key.strip()) != value.strip():
            return False
    return True


def apply_patch(objects, entry, directory):
    if set(entry) - {"path", "patch", "target"} or ("path" in entry) == ("patch" in entry):
        raise RenderError(f"patches: need exactly one of path or patch: {entry}")
    if "path" in entry:
        docs = load_yaml_stream(os.path.join(directory, entry["path"]))
        if len(docs) != 1:
            raise RenderError(f"{entry['path']}: one patch per file, please")
        body = docs[0]
    else:
        body = yaml.safe_load(entry["patch"])

    if isinstance(body, list):  # JSON6902
        if "target" not in entry:
            raise RenderError("a JSON6902 patch needs a target")
        hits = [o for o in objects if matches(o, entry["target"])]
        for obj in hits:
            for op in body:
                json6902(obj, op)
    else:  # strategic merge
        target = entry.get("target") or {"kind": body["kind"], "name": body["metadata"]["name"]}
        hits = [o for o in objects if matches(o, target)]
        if body.get("$patch") == "delete":
            objects = [o for o in objects if not any(o is h for h in hits)]
        else:
            for obj in hits:
                merged = strategic_merge(obj, body)
                obj.clear()
                obj.update(merged)
    if not hits:
        raise RenderError(f"patch matched no object: {entry}")
    return objects


def pointer(path):
    if not path.startswith("/"):
        raise RenderError(f"JSON pointer must start with /: {path}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def json6902(obj, op):
    parts = pointer(op["path"])
    parent = obj
    for part in parts[:-1]:
        parent = parent[int(part)] if isinstance(parent, list) else parent[part]
    last = parts[-1]
    kind = op["op"]
    if isinstance(parent, list):
        if kind == "add":
            parent.insert(len(parent) if last == "-" else int(last), copy.deepcopy(op["value"]))
        elif kind == "replace":
            parent[int(last)] = copy.deepcopy(op["value"])
        elif kind == "remove":
            del parent[int(last)]
        else:
            raise RenderError(f"JSON6902 op not supported: {kind}")
    else:
        if kind in ("replace", "remove") and last not in parent:
            raise RenderError(f"JSON6902 {kind}: no {op['path']}")
        if kind in ("add", "replace"):
            parent[last] = copy.deepcopy(op["value"])
        elif kind == "remove":
            del parent[last]
        else:
            raise RenderError(f"JSON6902 op not supported: {kind}")


def strategic_merge(base, patch):
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if "$patch" in patch:
        raise RenderError(f"$patch directives other than a whole-object delete: {patch}")
    result = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif key in MERGE_KEYS and isinstance(value, list) and isinstance(result.get(key), list):
            result[key] = merge_list(result[key], value, MERGE_KEYS[key])
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = strategic_merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def merge_list(base, patch, key):
    """Items merge on `key`; new items go first, as kustomize puts them."""
    merged = [copy.deepcopy(item) for item in base]
    added = []
    for item in patch:
        index = next((i for i, b in enumerate(merged) if b.get(key) == item.get(key)), None)
        if index is None:
            added.append(strategic_merge({}, item))
        else:
            merged[index] = strategic_merge(merged[index], item)
    return added + merged


def sort_key(obj):
    kind = obj["kind"]
    rank = ORDER.index(kind) if kind in ORDER else len(ORDER)
    return (rank, kind, obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: render.py DIR")
    try:
        objects = build(sys.argv[1])
    except (RenderError, KeyError, OSError, yaml.YAMLError) as e:
        sys.exit(f"render.py: {e}")
    yaml.safe_dump_all(sorted(objects, key=sort_key), sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
