"""Workloads: the pod to run for each workload object (one replica), and what the runner expects
of it (long-running, or run to completion)."""
from .kube_objects import spec_of

LONG_RUNNING_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController")


class Workload:
    def __init__(self, kind, name, ns, pod_meta, pod_spec, long_running, source=None):
        self.kind, self.name, self.ns = kind, name, ns
        self.pod_meta, self.spec = pod_meta or {}, pod_spec
        self.long_running = long_running
        self.source = source or {}   # extra: e.g. the KServe InferenceService and ServingRuntime
        self.pod_name = f"{name}-runner"
        self.labels = dict(self.pod_meta.get("labels") or {})
        self.storage_initializer = None   # (storageUri, volume name) for KServe
        self.alive = False

    @property
    def ref(self):
        return f"{self.kind}/{self.name}"


def workloads(objs, inference_service=None):
    """The Workloads of the rendered objects, in their order; an InferenceService becomes
    inference_service(objs, obj) when that is given, else it is left out."""
    out = []
    for d in objs.docs:
        if d["kind"] == "InferenceService":
            if inference_service:
                out.append(inference_service(objs, d))
            continue
        w = _pod_workload(objs, d)
        if w is not None:
            out.append(w)
    return out


def _pod_workload(objs, d):
    kind, ns, name = d["kind"], objs.ns(d), d["metadata"].get("name")
    spec = spec_of(d)
    if kind in LONG_RUNNING_KINDS or kind == "Job":
        t = spec.get("template") or {}
        source = {"job": d} if kind == "Job" else None
        return Workload(kind, name, ns, t.get("metadata"), t.get("spec") or {}, kind != "Job", source=source)
    if kind == "CronJob":
        t = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
        return Workload(kind, name, ns, t.get("metadata"), t.get("spec") or {}, False,
                        source={"job": spec.get("jobTemplate")})
    if kind == "Pod":
        long_running = spec.get("restartPolicy", "Always") == "Always"
        return Workload(kind, name, ns, d["metadata"], spec, long_running)
    return None
