"""manifest_policy.py RENDERED: this project's own rules on a rendered kustomization, the ones no
generic validator knows.

Each Deployment running `fraudscore serve`: service links off (the Service `fraudscore` would
inject FRAUDSCORE_PORT=tcp://…), a grace period covering the preStop sleep and the drain, a rolling
update that never lowers capacity, the probes on the health paths, FRAUDSCORE_THREADS matching the
CPU limit, no replicas beside an HPA, non-root with a read-only root file system.

Each serve container whose model comes from S3 or HTTPS, or is not set (yet), in any workload
(a KServe ServingRuntime too): the memory rule, limits.memory >= 64 MiB + 20 x
FRAUDSCORE_MAX_MODEL_BYTES, measured for scripts/run-manifests.py (one loaded model costs up to
~6-7x its file, a hot swap from S3 up to 10x, with the previous version resident up to 17x; the
process itself ~34 MiB).
"""
import math
import sys

from dockerfile_image import Image
from k8s_workloads import Render, mib, quantity
from report import Problems

MEMORY_BASE = 64 * 2**20
MEMORY_FACTOR = 20
DEFAULT_MAX_MODEL_BYTES = 2**30  # `fraudscore serve --help`: --max-model-bytes (default: 1073741824)
PROBES = (("livenessProbe", "/health/live"), ("readinessProbe", "/health/ready"), ("startupProbe", "/health/live"))


def check_deployment(render, c, problems):
    """The rules on a Deployment running `fraudscore serve` in container c; returns a summary."""
    dep, pod, env = c.doc, c.doc["spec"]["template"]["spec"], c.env
    need = problems.need
    need(not c.missing, f"{c.ref}: envFrom names ConfigMaps the render lacks: {', '.join(c.missing)}")
    need(pod.get("enableServiceLinks") is False,
         f"{c.ref}: enableServiceLinks must be false: the Service 'fraudscore' would inject FRAUDSCORE_PORT=tcp://…")
    sleep = c.spec.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
    drain = int(env.get("FRAUDSCORE_DRAIN_TIMEOUT_MS", 10000)) / 1000
    grace = pod.get("terminationGracePeriodSeconds", 30)
    need(grace > sleep + drain,
         f"{c.ref}: terminationGracePeriodSeconds {grace} must exceed preStop {sleep}s + drain {drain}s")
    rolling = dep["spec"].get("strategy", {}).get("rollingUpdate", {})
    need(rolling.get("maxUnavailable") == 0, f"{c.ref}: rolling update must keep maxUnavailable 0")
    for probe, path in PROBES:
        need(c.spec.get(probe, {}).get("httpGet", {}).get("path") == path, f"{c.ref}: {probe} must GET {path}")
    cpu = str(c.limits.get("cpu"))
    threads = c.setting("threads")
    need(int(threads or 0) == max(1, math.ceil(quantity(cpu))),
         f"{c.ref}: FRAUDSCORE_THREADS={threads} should match the CPU limit {cpu}")
    name = dep["metadata"]["name"]
    hpas = [h for h in render.kind("HorizontalPodAutoscaler") if h["spec"]["scaleTargetRef"]["name"] == name]
    need(not (hpas and "replicas" in dep["spec"]), f"{c.ref}: the HPA owns replicas: the Deployment must not set them")
    need(pod.get("securityContext", {}).get("runAsNonRoot")
         and c.spec.get("securityContext", {}).get("readOnlyRootFilesystem"),
         f"{c.ref}: runAsNonRoot and readOnlyRootFilesystem are required")
    return f"{c.ref}: grace {grace}s > preStop {sleep}s + drain {drain:g}s; threads {threads} = cpu {cpu}"


def check_memory(c, problems):
    """The memory rule, for a serve container with a remote or unset model; returns a summary."""
    model = c.setting("model")
    what = f"the model {model}" if model else ("an empty model" if model == "" else "a model not set")
    if model and not model.startswith(("s3://", "https://")):
        return f"{c.ref}: model {model} is local: the memory rule concerns downloads only"
    raw = c.setting("max-model-bytes") or str(DEFAULT_MAX_MODEL_BYTES)
    limit = c.limits.get("memory")
    rule = f"{mib(MEMORY_BASE)} + {MEMORY_FACTOR} x FRAUDSCORE_MAX_MODEL_BYTES"
    if not raw.isdigit():
        problems.add(f"{c.ref}: FRAUDSCORE_MAX_MODEL_BYTES {raw!r} is not a number of bytes")
        return None
    need = MEMORY_BASE + MEMORY_FACTOR * int(raw)
    if limit is None:
        problems.add(f"{c.ref}: no limits.memory, which must be >= {rule} ({mib(need)}) for {what}")
        return None
    have = quantity(limit)
    if have < need:
        problems.add(f"{c.ref}: limits.memory {limit} is below {rule} ({mib(int(raw))}) = {mib(need)} "
                     f"for {what}: raise the limit to {mib(math.ceil(need / 2**20) * 2**20)} "
                     f"or lower FRAUDSCORE_MAX_MODEL_BYTES to {int((have - MEMORY_BASE) / MEMORY_FACTOR)}")
        return None
    return f"{c.ref}: limits.memory {limit} >= {rule} ({mib(int(raw))}) = {mib(need)}, {what}"


def main(path, dockerfile="Dockerfile"):
    render = Render(path)
    problems = Problems()
    summaries = []
    serving = [c for c in render.containers(Image(dockerfile)) if c.subcommand == "serve"]
    problems.need(serving, f"{path}: no container runs `fraudscore serve`: nothing to check")
    for c in serving:
        if c.doc["kind"] == "Deployment":
            summaries.append(check_deployment(render, c, problems))
        summaries.append(check_memory(c, problems))
    problems.exit_if_any()
    print("\n".join(s for s in summaries if s))


if __name__ == "__main__":
    main(*sys.argv[1:3])
