"""The rendered Kubernetes objects (`kubectl kustomize`) and the API's small rules: quantities,
label selectors, image references, ConfigMap and Secret data."""
import base64
import re
import subprocess

from .report import SetupError

_BIN = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DEC = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}


def render(kubectl, path):
    """The objects of a kustomization directory, as `kubectl kustomize` renders them."""
    try:
        out = subprocess.run([kubectl, "kustomize", str(path)], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise SetupError(str(e))
    if out.returncode != 0:
        raise SetupError(out.stderr.strip())
    import yaml
    return list(yaml.safe_load_all(out.stdout))


class Objects:
    def __init__(self, docs, default_ns="default"):
        self.docs = [d for d in docs if isinstance(d, dict) and d.get("kind")]
        self.default_ns = default_ns
        for d in self.docs:
            d.setdefault("metadata", {})

    def ns(self, obj):
        return obj["metadata"].get("namespace") or self.default_ns

    def kind(self, *kinds):
        return [d for d in self.docs if d["kind"] in kinds]

    def get(self, kind, ns, name):
        for d in self.docs:
            if d["kind"] == kind and d["metadata"].get("name") == name and self.ns(d) == ns:
                return d
        return None

    def namespace_labels(self, ns):
        labels = {"kubernetes.io/metadata.name": ns}
        obj = next((d for d in self.kind("Namespace") if d["metadata"].get("name") == ns), None)
        if obj:
            labels.update(obj["metadata"].get("labels") or {})
        return labels


def spec_of(obj):
    return obj.get("spec") or {}


def secret_data(obj):
    data = {k: base64.b64decode(v) for k, v in (obj.get("data") or {}).items()}
    data.update({k: str(v).encode() for k, v in (obj.get("stringData") or {}).items()})
    return data


def configmap_data(obj):
    data = {k: str(v).encode() for k, v in (obj.get("data") or {}).items()}
    data.update({k: base64.b64decode(v) for k, v in (obj.get("binaryData") or {}).items()})
    return data


def quantity(q):
    s = str(q).strip()
    m = re.fullmatch(r"([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?", s)
    if not m:
        raise ValueError(f"not a Kubernetes quantity: {q!r}")
    number, suffix = float(m.group(1)), m.group(2) or ""
    return number * (_BIN[suffix] if suffix in _BIN else _DEC[suffix])


def mib(n):
    return f"{n / 2**20:g}Mi"


def selector_matches(selector, labels):
    if selector is None:
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def service_selects(svc, labels):
    """Whether a Service sends its traffic to a pod with these labels (a Service without a selector
    selects nothing)."""
    sel = spec_of(svc).get("selector")
    return bool(sel) and selector_matches({"matchLabels": sel}, labels)


def image_repository(ref):
    ref = ref.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        ref = ref[: len(ref) - len(last)] + last.split(":", 1)[0]
    return ref
