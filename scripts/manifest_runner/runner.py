"""The run: facts about the binary and the image (option defaults, libraries, bundled model), the
targets, and the run inside the namespaces (a private work tmpfs, loopback up, signals, the count)."""
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from . import ROOT
from .dockerfile import BASE_IMAGE_PATH, parse_dockerfile
from .linux import detach, loopback_up, tmpfs
from .namespaces import work_folder
from .report import Report, SetupError
from .target import Target

DEFAULT_TARGETS = ("k8s/overlays/*", "k8s/examples/*")


class Runner:
    def __init__(self, args):
        self.args = args
        self.report = Report()
        self.binary = str(Path(args.binary).resolve())
        self.timeout = args.timeout
        self.logs_dir = args.logs
        self.kubectl = args.kubectl
        self.image = parse_dockerfile(args.dockerfile)
        self.image_name = self.image.title() or "fraudscore"
        self.work = None
        self.binary_lib_dirs = self.library_dirs()
        self.defaults = self.serve_defaults()

    def library_dirs(self):
        """Folders outside the base image's /usr and /lib that a dynamically linked build loads from."""
        out = subprocess.run(["ldd", self.binary], capture_output=True, text=True)
        dirs = set()
        for line in out.stdout.splitlines():
            m = re.search(r"=>\s+(/\S+)", line)
            if m:
                d = os.path.dirname(os.path.realpath(m.group(1)))
                if not any(d == p or d.startswith(p + "/") for p in ("/usr", "/lib", "/lib64", "/lib32", "/etc")):
                    dirs.add(d)
        return sorted(dirs)

    def serve_defaults(self):
        """Option defaults as `fraudscore serve --help` states them."""
        out = subprocess.run([self.binary, "serve", "--help"], capture_output=True, text=True,
                             env={"PATH": BASE_IMAGE_PATH}, timeout=30)
        text = re.sub(r"\s+", " ", out.stdout)
        defaults = {}
        for m in re.finditer(r"--([a-z0-9-]+) <[^>]+> (.*?)(?= --[a-z0-9-]+ |$)", text):
            d = re.search(r"\(default: ([^)]*)\)", m.group(2))
            if d:
                defaults[m.group(1)] = d.group(1).strip()
        return defaults

    def bundled_model(self):
        """The repository folder the image's default model (its ENV FRAUDSCORE_MODEL) comes from."""
        path = self.image.env.get("FRAUDSCORE_MODEL")
        for src, dest in self.image.copies:
            if path and (path == dest or path.startswith(dest + "/")):
                return ROOT / src / os.path.relpath(path, dest)
        raise SetupError("the Dockerfile's FRAUDSCORE_MODEL is not a COPY destination: no bundled model to seed")

    def targets(self, given):
        if given:
            return [Path(t).resolve() for t in given]
        found = []
        for pattern in DEFAULT_TARGETS:
            found += sorted(p for p in ROOT.glob(pattern) if (p / "kustomization.yaml").is_file())
        return found

    def run(self):
        started = time.monotonic()
        work = work_folder()
        tmpfs(work, "mode=0700,size=1g")   # private to this mount namespace: the host never sees it
        self.work = work
        loopback_up()
        _stop_on_signals()
        try:
            self.preamble()
            for target in self.targets(self.args.targets):
                Target(self, target).run()
        except SystemExit:
            self.report.fail("run interrupted (SIGINT/SIGTERM): every process it started was stopped")
            raise
        finally:
            detach(work)
            if sys.exc_info()[0] is SystemExit:
                print(self.report.summary())
        print(f"manifests: checked in {time.monotonic() - started:.0f}s")
        print(self.report.summary())
        return 0 if self.report.failed == 0 and self.report.passed > 0 else 1

    def preamble(self):
        """Notes on what stands in for the image."""
        base = self.image.base or "?"
        release = _os_release()
        if release.get("ID") != "debian" or f":{release.get('VERSION_CODENAME')}" not in base:
            Report.note(f"warning: the image's base is {base}; this host is {release.get('PRETTY_NAME')}: "
                        "its /usr and /etc stand in for the base image, so results may differ")
        Report.note(f"binary {self.binary}; image {self.image_name}: "
                    f"ENTRYPOINT {json.dumps(self.image.entrypoint)}, CMD {json.dumps(self.image.cmd)}, "
                    f"WORKDIR {self.image.workdir}, USER {self.image.user}, COPY "
                    + ", ".join(f"{s} -> {d}" for s, d in self.image.copies))
        if self.binary_lib_dirs:
            Report.note("the binary is dynamically linked against " + ", ".join(self.binary_lib_dirs)
                        + ": bound read-only into every container root (the image links them statically)")


def _stop_on_signals():
    def stop(signum, _frame):
        # Once: the outer process may forward a signal the terminal also delivered.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def _os_release():
    out = {}
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            k, _, v = line.partition("=")
            out[k] = v.strip('"')
    return out
