"""A container's processes: started in its root (chroot) as its user, groups and no_new_privs; how
they ended (a usage error is told apart), and stopping them."""
import contextlib
import os
import re
import shlex
import signal
import subprocess
import time

from .linux import no_new_privs
from .report import SetupError

USAGE_EXIT = 64  # EX_USAGE: fraudscore's (swift-argument-parser's) exit status for a usage error


def spawn(c, argv=None, stdout=None, stderr=None):
    """Run argv (default: the container's) in the container's root, as its user."""
    env = {k: str(v) for k, v in c.env.items()}
    root, cwd, uid, gid, groups = str(c.root), c.workdir, c.uid, c.gid, list(c.groups)
    nnp = c.no_new_privs

    def enter():
        os.chroot(root)
        os.chdir(cwd)
        os.setgroups(groups)
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        if nnp:
            no_new_privs()

    argv = argv or c.argv
    if not argv:
        raise SetupError(f"{c.ref}: empty argv (no command and no ENTRYPOINT)")
    return subprocess.Popen(argv, env=env, preexec_fn=enter, stdin=subprocess.DEVNULL,
                            stdout=stdout, stderr=stderr, close_fds=True, start_new_session=True)


def start(t, c):
    """Start the container's process, its output to its logs (a failure to start is reported)."""
    out, err = open(c.log_out, "ab"), open(c.log_err, "ab")
    try:
        c.proc = spawn(c, stdout=out, stderr=err)
        c.started_at = time.monotonic()
        return True
    except (OSError, subprocess.SubprocessError) as e:
        t.report.fail(f"{c.ref}: starts", f"exec {c.argv[0]} in the container root: {e} (StartError)")
        return False
    finally:
        out.close()
        err.close()


def usage_error(c, code):
    text = c.stderr_text()
    if code == USAGE_EXIT or re.search(r"^(Error: .*|Usage: .*)$", text, re.M) and code != 0:
        return True
    return False


def exit_detail(c, code):
    lines = [f"argv: {shlex.join(c.argv)}", f"exit status {code}"]
    if usage_error(c, code):
        lines[-1] += " (usage error)"
    return lines + c.logs()


def process_alive(t, c, when):
    code = c.proc.poll()
    if code is None:
        return True
    t.report.fail(f"{c.ref}: keeps running {when}", exit_detail(c, code))
    return False


def kill(c):
    """SIGKILL the container's process group, if it is still running."""
    if c.proc is not None and c.proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(c.proc.pid, signal.SIGKILL)
        c.proc.wait()
