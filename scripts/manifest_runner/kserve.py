"""KServe: the predictor pod KServe would create for an InferenceService (raw deployment shape:
its ServingRuntime's container, args concatenated, {{.Name}} and friends replaced), the
storage-initializer stand-in that downloads storageUri to /mnt/models, and the KServe route check."""
import http.client
import os
import re

from .api import api_port, get_json
from .report import SetupError
from .storage import s3_prefix
from .workloads import Workload

# InferenceService predictor fields that are not pod spec fields.
PREDICTOR_ONLY = ("model", "minReplicas", "maxReplicas", "scaleTarget", "scaleMetric", "canaryTrafficPercent",
                  "timeout", "batcher", "logger", "containerConcurrency")
# The predictor's model fields that are not container fields.
MODEL_ONLY = ("modelFormat", "runtime", "storageUri", "protocolVersion", "storage")


def kserve_workload(objs, isvc):
    """The predictor pod KServe would create for an InferenceService (raw deployment shape)."""
    ns = objs.ns(isvc)
    meta = dict(isvc["metadata"], namespace=ns)
    name = meta["name"]
    pred = isvc.get("spec", {}).get("predictor", {})
    model = pred.get("model")
    if not model:
        raise SetupError(f"InferenceService/{name}: only spec.predictor.model (ServingRuntime) is supported")
    sr = _serving_runtime(objs, ns, name, model)
    containers = sr["spec"].get("containers") or []
    rt_container = next((c for c in containers if c.get("name") == "kserve-container"), containers[0])
    container = _model_container(rt_container, model, meta)
    spec = {k: v for k, v in pred.items() if k not in PREDICTOR_ONLY}
    spec["containers"] = [container] + [c for c in containers if c is not rt_container]
    spec["volumes"] = list(sr["spec"].get("volumes") or []) + list(pred.get("volumes") or [])
    labels = dict(sr["spec"].get("labels") or {})
    labels.update({"serving.kserve.io/inferenceservice": name, "component": "predictor"})
    w = Workload("InferenceService", name, ns, {"labels": labels, "annotations": isvc["metadata"].get("annotations")},
                 spec, True, source={"isvc": isvc, "runtime": sr})
    uri = model.get("storageUri")
    if uri:
        # KServe: an emptyDir filled by the storage-initializer init container, mounted read-only
        # at /mnt/models in the model server's container.
        spec["volumes"].append({"name": "kserve-provision-location", "emptyDir": {}})
        container.setdefault("volumeMounts", []).append(
            {"name": "kserve-provision-location", "mountPath": "/mnt/models", "readOnly": True})
        w.storage_initializer = (uri, "kserve-provision-location")
    return w


def _serving_runtime(objs, ns, name, model):
    """The ServingRuntime the predictor names, else the one that auto-selects its model format."""
    fmt = (model.get("modelFormat") or {}).get("name")
    runtime_name = model.get("runtime")
    runtimes = [r for r in objs.kind("ServingRuntime") if objs.ns(r) == ns] + objs.kind("ClusterServingRuntime")
    if runtime_name:
        sr = next((r for r in runtimes if r["metadata"]["name"] == runtime_name), None)
        if sr is None:
            raise SetupError(f"InferenceService/{name}: ServingRuntime {runtime_name} is not in the rendered objects")
    else:
        sr = next((r for r in runtimes for f in r["spec"].get("supportedModelFormats", [])
                   if f.get("name") == fmt and f.get("autoSelect")), None)
        if sr is None:
            raise SetupError(f"InferenceService/{name}: no ServingRuntime auto-selects model format {fmt}")
    formats = [f.get("name") for f in sr["spec"].get("supportedModelFormats", [])]
    if fmt not in formats:
        raise SetupError(f"InferenceService/{name}: ServingRuntime {sr['metadata']['name']} does not support "
                         f"model format {fmt} (it lists {formats})")
    if sr["spec"].get("disabled"):
        raise SetupError(f"ServingRuntime {sr['metadata']['name']} is disabled")
    if not sr["spec"].get("containers"):
        raise SetupError(f"ServingRuntime {sr['metadata']['name']} has no containers")
    return sr


def _model_container(rt_container, model, meta):
    """The runtime's container with the predictor's overrides (args appended), placeholders replaced."""
    overrides = {k: v for k, v in model.items() if k not in MODEL_ONLY}
    container = _merge(rt_container, overrides)
    container["args"] = list(rt_container.get("args") or []) + list(overrides.get("args") or [])
    container["name"] = "kserve-container"
    return _template(container, meta)


def _merge(base, over):
    """Strategic-merge-like: maps merge, lists replace; container env merges by name."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            if k == "env" and isinstance(v, list) and isinstance(base.get(k), list):
                names = {e["name"]: e for e in base[k]}
                names.update({e["name"]: e for e in v})
                out[k] = list(names.values())
            else:
                out[k] = _merge(base.get(k), v) if k in base else v
        return out
    return over


def _template(obj, meta):
    """KServe's ReplacePlaceholders: {{.Name}}, {{.Namespace}}, {{.Labels.x}}, {{.Annotations.x}}."""
    if isinstance(obj, dict):
        return {k: _template(v, meta) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_template(v, meta) for v in obj]
    if isinstance(obj, str):
        return re.sub(r"\{\{(.*?)\}\}", lambda m: _placeholder(m.group(1).strip(), meta), obj)
    return obj


def _placeholder(expr, meta):
    if expr == ".Name":
        return meta.get("name", "")
    if expr == ".Namespace":
        return meta.get("namespace", "")
    for pattern in (r"\.(Labels|Annotations)\.([A-Za-z0-9_]+)", r'index \.(Labels|Annotations) "([^"]+)"'):
        lm = re.fullmatch(pattern, expr)
        if lm:
            return (meta.get(lm.group(1).lower()) or {}).get(lm.group(2), "")
    raise SetupError(f"KServe placeholder {{{{{expr}}}}} not understood by the runner")


def storage_initializer(t, w):
    """The storage-initializer stand-in: storageUri's files into the model volume."""
    uri, volume = w.storage_initializer
    what = f"{w.ref}: storage-initializer stand-in downloads {uri} to /mnt/models"
    if not uri.startswith("s3://") or t.s3 is None:
        t.report.fail(what, "only s3:// storageUri is emulated")
        return False
    bucket, prefix = s3_prefix(uri)
    keys = t.s3.list(prefix, bucket=bucket)
    if not keys:
        t.report.fail(what, f"nothing under {uri}")
        return False
    dest = t.work / "pods" / w.pod_name / "volumes" / volume
    for key in keys:
        f = dest / key[len(prefix):]
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(t.s3.get(key, bucket=bucket))
        os.chmod(f, 0o644)
    t.report.ok(what, None)
    t.report.note(f"/mnt/models holds {', '.join(k[len(prefix):] for k in keys)}")
    return True


def check_kserve(t, c):
    """KServe routes by the InferenceService's name: /v2/models/{name}/ready must answer 200."""
    name = c.w.name
    port = api_port(c)
    try:
        status, body = get_json(port, f"/v2/models/{name}/ready")
    except (OSError, http.client.HTTPException) as e:
        status, body = None, str(e)
    t.report.check(status == 200, f"{c.ref}: GET /v2/models/{name}/ready -> 200 (KServe routes by the "
                   f"InferenceService name)", None if status == 200 else [f"status {status}: {str(body)[:300]}"]
                   + c.logs(6))
