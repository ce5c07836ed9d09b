#!/usr/bin/env python3
"""Offline checks of rendered manifests (validate.sh runs this).

  check.py validate VERSION FILE [LABEL]
                                   every object against the Kubernetes JSON schema of
                                   VERSION (strict: unknown fields fail), plus this
                                   project's rules: namespace, labels, security
                                   settings, probes, resources, and references
                                   between objects (selectors, Secrets, volumes,
                                   Service addresses in the VEIVISER_* variables)
  check.py compare FILE FILE       the same objects in both (kubectl vs render.py)

Exit status 1 when anything fails.
"""

import sys
from urllib.parse import urlsplit

import yaml
from kubernetes_validate import utils as kv

NAMESPACE = "veiviser"
PART_OF = ("app.kubernetes.io/part-of", "veiviser")
CLUSTER_SCOPED = {"Namespace"}
WORKLOADS = {"Deployment", "StatefulSet"}
# Variables whose value is an http://host:port address of a Service in the cluster.
ADDRESS_VARS = {"VEIVISER_AGENCIES", "VEIVISER_TRUST_SERVICE", "VEIVISER_TOKEN_ISSUER",
                "VEIVISER_JWKS_URL", "VEIVISER_ISSUER"}


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def ident(obj):
    ns = obj["metadata"].get("namespace")
    return f"{obj['kind']}/{ns + '/' if ns else ''}{obj['metadata']['name']}"


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


class Checker:
    def __init__(self, objects):
        self.objects = objects
        self.errors = []
        self.by_kind = {}
        for obj in objects:
            self.by_kind.setdefault(obj["kind"], {})[obj["metadata"]["name"]] = obj
        self.pods = {name: w["spec"]["template"] for kind in WORKLOADS
                     for name, w in self.by_kind.get(kind, {}).items()}

    def fail(self, obj, message):
        self.errors.append(f"{ident(obj)}: {message}")

    def pods_selected(self, selector):
        return [t for t in self.pods.values() if selects(selector, t["metadata"].get("labels", {}))]

    def run(self):
        for obj in self.objects:
            self.metadata(obj)
            getattr(self, "check_" + obj["kind"], lambda _: None)(obj)
        self.issuer_agreement()
        self.database_password()
        return self.errors

    def metadata(self, obj):
        meta = obj["metadata"]
        if obj["kind"] not in CLUSTER_SCOPED and meta.get("namespace") != NAMESPACE:
            self.fail(obj, f"namespace is {meta.get('namespace')!r}, not {NAMESPACE!r}")
        if meta.get("labels", {}).get(PART_OF[0]) != PART_OF[1]:
            self.fail(obj, f"label {PART_OF[0]}={PART_OF[1]} missing")

    def workload(self, obj):
        spec, template = obj["spec"], obj["spec"]["template"]
        labels = template["metadata"].get("labels", {})
        if not selects(spec["selector"].get("matchLabels"), labels):
            self.fail(obj, "selector does not match the pod template's labels")
        if labels.get(PART_OF[0]) != PART_OF[1]:
            self.fail(obj, "pod template lacks the part-of label")
        pod = template["spec"]
        psc = pod.get("securityContext", {})
        if psc.get("runAsNonRoot") is not True or psc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            self.fail(obj, "pod securityContext needs runAsNonRoot and seccompProfile RuntimeDefault")
        if pod.get("automountServiceAccountToken") is not False:
            self.fail(obj, "automountServiceAccountToken should be false")
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        claims = {c["metadata"]["name"] for c in spec.get("volumeClaimTemplates", [])}
        for v in volumes.values():
            claim = v.get("persistentVolumeClaim", {}).get("claimName")
            if claim and claim not in self.by_kind.get("PersistentVolumeClaim", {}):
                self.fail(obj, f"volume {v['name']}: no PersistentVolumeClaim {claim}")
        for c in pod["containers"]:
            self.container(obj, c, set(volumes) | claims)

    def container(self, obj, c, volume_names):
        where = f"container {c['name']}"
        sc = c.get("securityContext", {})
        if (sc.get("allowPrivilegeEscalation") is not False or sc.get("readOnlyRootFilesystem") is not True
                or sc.get("capabilities", {}).get("drop") != ["ALL"]):
            self.fail(obj, f"{where}: needs allowPrivilegeEscalation false, readOnlyRootFilesystem, drop ALL")
        if obj["spec"]["template"]["spec"]["securityContext"].get("runAsUser") in (None, 0) and sc.get("runAsUser") in (None, 0):
            self.fail(obj, f"{where}: no non-root runAsUser")
        res = c.get("resources", {})
        for part in ("requests", "limits"):
            if not {"cpu", "memory"} <= set(res.get(part, {})):
                self.fail(obj, f"{where}: resources.{part} needs cpu and memory")
        ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
        for probe in ("readinessProbe", "livenessProbe"):
            if probe not in c:
                self.fail(obj, f"{where}: no {probe}")
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            p = c.get(probe, {})
            port = p.get("grpc", p.get("tcpSocket", {})).get("port")
            if port is not None and port not in ports.values() and port not in ports:
                self.fail(obj, f"{where}: {probe} port {port} is not a container port")
        for m in c.get("volumeMounts", []):
            if m["name"] not in volume_names:
                self.fail(obj, f"{where}: mount {m['name']} has no volume")
        if not any(m["mountPath"] == "/data" for m in c.get("volumeMounts", [])) and c["image"].split("/")[-1].startswith("veiviser"):
            self.fail(obj, f"{where}: read-only root filesystem but nothing writable at /data")
        for e in c.get("env", []):
            ref = e.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                secret = self.by_kind.get("Secret", {}).get(ref["name"])
                if not secret or ref["key"] not in {**secret.get("data", {}), **secret.get("stringData", {})}:
                    self.fail(obj, f"{where}: env {e['name']}: no Secret {ref['name']} with key {ref['key']}")
            if e["name"] in ADDRESS_VARS and "value" in e:
                for address in e["value"].split(","):
                    self.address(obj, f"{where}: env {e['name']}", address)

    def address(self, obj, where, address):
        url = urlsplit(address)
        parts = (url.hostname or "").split(".")
        name, ns = parts[0], parts[1] if len(parts) > 1 else NAMESPACE
        service = self.by_kind.get("Service", {}).get(name)
        if ns != NAMESPACE or not service:
            self.fail(obj, f"{where}: {address} names no Service in namespace {NAMESPACE}")
        elif url.port not in [p["port"] for p in service["spec"]["ports"]]:
            self.fail(obj, f"{where}: Service {name} has no port {url.port}")

    check_Deployment = workload

    def check_Service(self, obj):
        pods = self.pods_selected(obj["spec"].get("selector"))
        if not pods:
            return self.fail(obj, "selector matches no pod template")
        for port in obj["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            if not any(target in (p.get("name"), p["containerPort"])
                       for t in pods for c in t["spec"]["containers"] for p in c.get("ports", [])):
                self.fail(obj, f"targetPort {target} is not a port of the selected pods")

    def check_StatefulSet(self, obj):
        self.workload(obj)
        if obj["spec"]["serviceName"] not in self.by_kind.get("Service", {}):
            self.fail(obj, f"serviceName {obj['spec']['serviceName']} is no Service")

    def check_PodDisruptionBudget(self, obj):
        if not self.pods_selected(obj["spec"]["selector"].get("matchLabels")):
            self.fail(obj, "selector matches no pod template")

    def check_NetworkPolicy(self, obj):
        selector = obj["spec"]["podSelector"].get("matchLabels")
        if selector and not self.pods_selected(selector):
            self.fail(obj, "podSelector matches no pod template")
        for rule in obj["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                sel = peer.get("podSelector", {}).get("matchLabels")
                if sel and "namespaceSelector" not in peer and not self.pods_selected(sel):
                    self.fail(obj, f"ingress from {sel} matches no pod template")

    def check_HorizontalPodAutoscaler(self, obj):
        ref = obj["spec"]["scaleTargetRef"]
        target = self.by_kind.get(ref["kind"], {}).get(ref["name"])
        if not target:
            return self.fail(obj, f"no {ref['kind']} {ref['name']} to scale")
        if "replicas" in target["spec"]:
            self.fail(target, "has spec.replicas although an autoscaler owns the count")

    def env_of(self, workload):
        return {e["name"]: e.get("value") for c in workload["spec"]["template"]["spec"]["containers"]
                for e in c.get("env", [])}

    def issuer_agreement(self):
        consent = self.by_kind.get("Deployment", {}).get("consent")
        issuer = consent and self.env_of(consent).get("VEIVISER_ISSUER")
        for obj in self.by_kind.get("Deployment", {}).values():
            token_issuer = self.env_of(obj).get("VEIVISER_TOKEN_ISSUER")
            if token_issuer is not None and token_issuer != issuer:
                self.fail(obj, f"VEIVISER_TOKEN_ISSUER {token_issuer} != consent's VEIVISER_ISSUER {issuer}")

    def database_password(self):
        secrets = self.by_kind.get("Secret", {})
        if "postgres" in secrets and "consent-database" in secrets:
            url = urlsplit(secrets["consent-database"].get("stringData", {}).get("url", ""))
            if url.password != secrets["postgres"].get("stringData", {}).get("password"):
                self.fail(secrets["consent-database"], "the URL's password is not the postgres Secret's")


def validate(version, path, label=None):
    objects = load(path)
    errors = []
    for obj in objects:
        try:
            used = kv.validate(obj, version, strict=True)
            print(f"  ok  {ident(obj):55} schema {used} (strict)")
        except kv.ValidationError as e:
            where = ".".join(str(p) for p in e.path)
            errors.append(f"{ident(obj)}: schema {e.version}: {where}: {e.message}")
        except (kv.SchemaNotFoundError, kv.VersionNotSupportedError, kv.InvalidSchemaError) as e:
            errors.append(f"{ident(obj)}: {getattr(e, 'message', e)}")
    errors += Checker(objects).run()
    for error in errors:
        print(f"  FAIL {error}")
    print(f"{label or path}: {len(objects)} objects validated, {len(errors)} problems")
    return 1 if errors or not objects else 0


def compare(left, right):
    def keyed(path):
        return {ident(o): o for o in load(path)}
    a, b = keyed(left), keyed(right)
    problems = [f"only in {left}: {k}" for k in sorted(set(a) - set(b))]
    problems += [f"only in {right}: {k}" for k in sorted(set(b) - set(a))]
    problems += [f"differs: {k}" for k in sorted(set(a) & set(b)) if a[k] != b[k]]
    for p in problems:
        print(f"  FAIL {p}")
    print(f"render.py and kubectl kustomize: {len(a)} and {len(b)} objects, "
          f"{'identical' if not problems else f'{len(problems)} differences'}")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) in (4, 5) and sys.argv[1] == "validate":
        sys.exit(validate(*sys.argv[2:]))
    if len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    sys.exit(__doc__)
