"""Jobs (and CronJobs) of the project's image: each container must exit 0 within the Job's deadline;
what it published to the model repositories is recorded for the serving checks."""
import shlex
import subprocess
import time
from pathlib import Path

from .pods import main_containers
from .process import exit_detail, start, usage_error
from .storage import repositories_read, versions


def run_job(t, w):
    job = (w.source.get("job") or {}).get("spec") or {}
    deadline = min(job.get("activeDeadlineSeconds") or t.r.timeout, t.r.timeout)
    before = {uri: set(versions(t, uri)) for uri in repositories_read(t)} if t.s3 else {}
    for c in main_containers(t, w):
        if start(t, c):
            _complete(t, w, c, job, deadline)
    for uri, old in before.items():
        new = set(versions(t, uri)) - old
        for v in sorted(new):
            t.published.setdefault(uri, []).append((v, w))


def _complete(t, w, c, job, deadline):
    """Wait for the Job's container to exit; report how."""
    try:
        code = c.proc.wait(timeout=deadline)
    except subprocess.TimeoutExpired:
        c.proc.kill()
        c.proc.wait()
        t.report.fail(f"{c.ref}: exits 0", [f"still running after {deadline}s (activeDeadlineSeconds / --timeout)"]
                      + c.logs())
        return
    took = time.monotonic() - c.started_at
    if code == 0:
        said = (Path(c.log_out).read_text(errors="replace").strip().splitlines() or [""])[-1]
        t.report.ok(f"{c.ref}: exits 0 in {took:.1f}s ({shlex.join(c.argv)})")
        if said:
            t.report.note(f"{w.ref} printed: {said[:150]}")
    else:
        kind = "usage error" if usage_error(c, code) else "failed"
        t.report.fail(f"{c.ref}: exits 0 ({kind}: exit {code})", exit_detail(c, code))
    if w.spec.get("restartPolicy") == "OnFailure" and code != 0 and usage_error(c, code):
        t.report.note(f"{w.ref} would be retried (backoffLimit {job.get('backoffLimit', 6)}) "
                      "and fail the same way: its argv does not change")
