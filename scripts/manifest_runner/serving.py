"""After the Jobs: each long-running pod becomes ready, serves the highest version of its model
repository, still answers its liveness probe, and passes scripts/smoke.sh through its Services."""
import http.client
import os
import subprocess
import time

from . import ROOT
from .api import api_port, get_json
from .kserve import check_kserve
from .kube_objects import spec_of
from .network import Forwarder, services_selecting
from .pods import expects_empty_model_failure, main_containers, note_missing
from .probes import describe, probe_once, wait_probe
from .report import SetupError
from .storage import published_by_jobs, versions, watched_repository


def await_ready(t, w):
    for c in main_containers(t, w):
        if expects_empty_model_failure(c) or not _ready(t, c):
            continue
        repo = watched_repository(t, c)
        if repo:
            check_serving(t, c, repo)
        if w.kind == "InferenceService":
            check_kserve(t, c)
        _still_live(t, c)
        smoke(t, w, c)


def _ready(t, c):
    """The readiness probe answers (a pod whose repository stays empty gives up, saying why)."""
    probe = c.spec.get("readinessProbe")
    if not probe:
        note_missing(t, c, "readinessProbe")
        return True
    repo = watched_repository(t, c)
    give_up = (lambda: _empty_repository(t, repo)) if repo else None
    if wait_probe(t, c, "readinessProbe", probe, t.r.timeout, give_up=give_up):
        return True
    if repo and not versions(t, repo):
        jobs = published_by_jobs(t, repo)
        t.report.fail(f"{c.ref}: serves the version {', '.join(j.ref for j in jobs) or 'a Job'} "
                      f"publishes to {repo}", "nothing was published: the repository is empty")
    return False


def _empty_repository(t, repo):
    if not versions(t, repo):
        failed = [j.ref for j in published_by_jobs(t, repo)]
        return (f"the repository {repo} is empty: nothing will make this pod ready"
                + (f" ({', '.join(failed)} did not publish)" if failed else ""))
    return None


def _still_live(t, c):
    probe = c.spec.get("livenessProbe")
    if probe:
        ok, last = probe_once(c, probe)
        t.report.check(ok, f"{c.ref}: livenessProbe {describe(probe)} still answers after the rollout",
                       None if ok else [last] + c.logs(6))


def check_serving(t, c, repo):
    """GET /models reports the highest version of the repository as the current one."""
    found = versions(t, repo)
    if not found:
        t.report.fail(f"{c.ref}: serves the published version of {repo}", "the repository is empty")
        return
    want = max(found)
    by = [w.ref for v, w in t.published.get(repo, []) if v == want]
    source = f"published by {', '.join(by)}" if by else "seeded by the runner"
    what = f"{c.ref}: serves version {want} ({found[want].get('model_version')}) of {repo}, {source}"
    port = api_port(c)
    deadline = time.monotonic() + t.r.timeout
    last = None
    while True:
        try:
            status, body = get_json(port, "/models")
            last = (status, body)
            current = (body or {}).get("current") if isinstance(body, dict) else None
            if status == 200 and current and current.get("version") == want:
                t.report.ok(what)
                return
        except (OSError, http.client.HTTPException) as e:
            last = str(e)
        if time.monotonic() >= deadline or c.proc.poll() is not None:
            t.report.fail(what, [f"GET /models: {str(last)[:400]}"] + c.logs(6))
            return
        time.sleep(0.2)


def smoke(t, w, c):
    """scripts/smoke.sh through each Service that selects the pod (kube-proxy: the forwarder)."""
    for name, ip, svc in services_selecting(t, w):
        for p in spec_of(svc).get("ports") or []:
            _smoke_port(t, w, c, name, ip, p)


def _smoke_port(t, w, c, name, ip, p):
    try:
        target = c.port(p.get("targetPort", p["port"]))
    except SetupError as e:
        t.report.fail(f"{w.ref}: Service {name} port {p['port']} reaches the pod", str(e))
        return
    t.forwarders.append(Forwarder((ip, int(p["port"])), ("127.0.0.1", target)))
    try:
        status, body = get_json(target, "/health")
        version = ((body or {}).get("model") or {}).get("version") if isinstance(body, dict) else None
    except (OSError, http.client.HTTPException):
        version = None
    env = dict(os.environ, SMOKE_WAIT_SECONDS="10")
    if version:
        env["SMOKE_EXPECT_MODEL_VERSION"] = version
    done = subprocess.run([str(ROOT / "scripts" / "smoke.sh"), f"http://{ip}:{p['port']}"],
                          capture_output=True, text=True, env=env, timeout=120)
    t.report.check(done.returncode == 0, f"{w.ref}: scripts/smoke.sh through Service {name} "
                   f"(:{p['port']} -> targetPort {p.get('targetPort', p['port'])} = :{target})",
                   None if done.returncode == 0 else (done.stdout + done.stderr).splitlines())
