"""Re-running the runner as PID 1 of new mount, network, PID and UTS namespaces (as root)."""
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

INSIDE = "RUN_MANIFESTS_NAMESPACED"   # set inside the namespaces: the host-side work folder
SCRIPTS = Path(__file__).resolve().parents[1]
# What the namespace's PID 1 runs: this package's CLI with the same arguments. argv[1] is SCRIPTS; it
# takes the place of -c's "" (the working folder) at the head of sys.path, as for a script in scripts/.
REENTER = ("import sys; sys.path[0] = sys.argv.pop(1); "
           "from manifest_runner.cli import main; sys.exit(main(sys.argv[1:]))")


def work_folder():
    return Path(os.environ[INSIDE])


def enter_namespaces(argv):
    """Re-run the CLI with argv inside the namespaces and exit with its status; inside, return."""
    if os.environ.get(INSIDE):
        return
    if sys.platform != "linux":
        sys.exit("run-manifests: Linux only (namespaces, chroot, tmpfs)")
    if os.geteuid() != 0:
        sys.exit("run-manifests: needs root: it assembles container roots with mounts in private mount, "
                 "network and PID namespaces (unshare), like a container runtime")
    unshare = shutil.which("unshare") or sys.exit("run-manifests: unshare(1) (util-linux) is required")
    work = tempfile.mkdtemp(prefix="run-manifests-")
    env = dict(os.environ, **{INSIDE: work})
    cmd = [unshare, "--mount", "--net", "--pid", "--uts", "--fork", "--kill-child=SIGTERM", "--mount-proc",
           "--propagation", "private", sys.executable, "-c", REENTER, str(SCRIPTS), *argv]
    proc = subprocess.Popen(cmd, env=env)
    _forward_signals(proc)
    rc = proc.wait()
    # Everything was mounted inside the namespace, which is gone: the host side is an empty folder.
    with contextlib.suppress(OSError):
        os.rmdir(work)
    sys.exit(rc)


def _forward_signals(proc):
    def forward(signum, _frame):
        # unshare(1) blocks SIGINT/SIGTERM while it waits: pass them to the namespace's PID 1 (the
        # runner inside), which stops everything it started and exits.
        with contextlib.suppress(OSError, ValueError):
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
            for child in children:
                os.kill(int(child), signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
