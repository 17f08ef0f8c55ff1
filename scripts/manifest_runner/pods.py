"""Long-running pods: init containers, start, startup and liveness probes within the time the
kubelet allows, the refusal of a serve container with no model, and SIGTERM within the grace period."""
import re
import shlex
import signal
import subprocess
import time

from .kserve import storage_initializer
from .probes import wait_probe
from .process import exit_detail, process_alive, start


def main_containers(t, w):
    return [c for c in t.containers if c.w is w and not c.init and not c.broken]


def expects_empty_model_failure(c):
    return c.subcommand == "serve" and c.model == ""


def note_missing(t, c, probe):
    if c.w.kind != "InferenceService":
        t.report.note(f"{c.ref} declares no {probe}")


def run_init(t, w):
    """The pod's init containers, each to exit 0 in turn (and KServe's storage initializer)."""
    for c in t.containers:
        if c.w is not w or not c.init or c.broken:
            continue
        if not start(t, c):
            return False
        try:
            code = c.proc.wait(timeout=t.r.timeout)
        except subprocess.TimeoutExpired:
            t.report.fail(f"{c.ref} (init): exits 0", f"still running after {t.r.timeout}s")
            return False
        if not t.report.check(code == 0, f"{c.ref} (init): exits 0", None if code == 0 else exit_detail(c, code)):
            return False
    if w.storage_initializer:
        return storage_initializer(t, w)
    return True


def start_pod(t, w):
    cs = main_containers(t, w)
    if not cs:
        return False
    ok = all(start(t, c) for c in cs)
    w.alive = ok
    return ok


def await_started(t, w):
    for c in main_containers(t, w):
        if expects_empty_model_failure(c):
            await_refusal(t, w, c)
            continue
        kind = _await_startup(t, c)
        if kind is None or not process_alive(t, c, "after its startup"):
            w.alive = False
            continue
        t.report.ok(f"{c.ref}: no usage error (running: {shlex.join(c.argv)})")
        if not _await_liveness(t, c, kind):
            w.alive = False


def _await_startup(t, c):
    """The kubelet gives a container initialDelaySeconds + periodSeconds x failureThreshold to pass
    its startup probe (else its liveness probe) before restarting it. Returns the kind of probe that
    gated the start, None if it did not pass."""
    gate, kind = c.spec.get("startupProbe"), "startupProbe"
    if not gate:
        note_missing(t, c, "startupProbe")
        gate, kind = c.spec.get("livenessProbe"), "livenessProbe"
    if gate:
        budget = (gate.get("initialDelaySeconds", 0)
                  + gate.get("periodSeconds", 10) * gate.get("failureThreshold", 3))
        if not wait_probe(t, c, kind, gate, min(budget, t.r.timeout)):
            return None
    return kind


def _await_liveness(t, c, gated_by):
    """After a startup probe, the liveness probe must answer within its own failure budget."""
    probe = c.spec.get("livenessProbe")
    if not probe:
        note_missing(t, c, "livenessProbe")
        return True
    if gated_by != "startupProbe":
        return True
    return wait_probe(t, c, "livenessProbe", probe,
                      probe.get("timeoutSeconds", 1) * probe.get("failureThreshold", 3) + 1)


def await_refusal(t, w, c):
    what = f"{c.ref}: with no model URI set, refuses to start and says to set it"
    try:
        code = c.proc.wait(timeout=min(10, t.r.timeout))
    except subprocess.TimeoutExpired:
        t.report.fail(what, ["still running 10 s later (it should exit at once)"] + c.logs())
        w.alive = True
        return
    w.alive = False
    text = c.stderr_text()
    said = re.search(r"FRAUDSCORE_MODEL", text) and re.search(r"\bset\b", text, re.I)
    first = next((line for line in text.splitlines() if line.strip()), "")
    t.report.check(code != 0 and bool(said), f"{what} (exit {code}: {first.strip()[:110]})",
                   None if code != 0 and said else exit_detail(c, code))


def terminate(t, w):
    """SIGTERM: each container drains and exits 0 within the grace period less the preStop sleep."""
    grace = w.spec.get("terminationGracePeriodSeconds", 30)
    for c in main_containers(t, w):
        if c.proc is None or c.proc.poll() is not None:
            continue
        pre = ((c.spec.get("lifecycle") or {}).get("preStop") or {}).get("sleep", {}).get("seconds", 0)
        budget = max(grace - pre, 1)
        t0 = time.monotonic()
        c.proc.send_signal(signal.SIGTERM)
        try:
            code = c.proc.wait(timeout=min(budget, t.r.timeout))
        except subprocess.TimeoutExpired:
            t.report.fail(f"{c.ref}: SIGTERM drains and exits 0 within {budget}s (grace {grace}s - preStop {pre}s)",
                          c.logs(6))
            continue
        t.report.check(code == 0, f"{c.ref}: SIGTERM drains and exits 0 in {time.monotonic() - t0:.1f}s "
                       f"(grace {grace}s - preStop sleep {pre}s)", None if code == 0 else exit_detail(c, code))
