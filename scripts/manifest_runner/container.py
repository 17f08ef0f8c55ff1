"""A container of the project's image: its effective configuration (argv, environment, identity),
what the runner found out about it (storage, model), its process and logs."""
import os
from pathlib import Path

from .expand import get_opt
from .report import SetupError


class Container:
    def __init__(self, workload, spec, init=False):
        self.w, self.spec, self.init = workload, spec, init
        self.name = spec.get("name", "")
        self.argv = []
        self.env = {}        # the process environment (image ENV + Kubernetes-provided)
        self.k8s_env = {}    # what Kubernetes defines (used for $(VAR) in command/args)
        self.problems = []   # why the kubelet would refuse to create it
        self.uid = self.gid = 0
        self.groups = []
        self.no_new_privs = False
        self.readonly_root = False
        self.workdir = "/"
        self.storage = []    # [(uri, path-style endpoint or None, scheme, host, port)]
        self.model = None    # a serve container's model URI (None: not set, no default)
        self.broken = False  # not runnable (configuration or root assembly failed)
        self.root = None     # assembled root folder
        self.proc = None
        self.log_out = self.log_err = None
        self.started_at = None

    @property
    def ref(self):
        return f"{self.w.ref} container {self.name}"

    @property
    def subcommand(self):
        if not self.argv or os.path.basename(self.argv[0]) != "fraudscore":
            return None
        return self.argv[1] if len(self.argv) > 1 and not self.argv[1].startswith("-") else "serve"

    @property
    def sub_args(self):
        return self.argv[2:] if len(self.argv) > 1 and not self.argv[1].startswith("-") else self.argv[1:]

    def setting(self, option, default=None):
        """A serve/publish option as the binary would see it: command line > FRAUDSCORE_* > default."""
        value = get_opt(self.sub_args, "--" + option)
        if value is not None:
            return value
        key = "FRAUDSCORE_" + option.upper().replace("-", "_")
        return self.env.get(key, default)

    def port(self, ref):
        if isinstance(ref, int) or str(ref).isdigit():
            return int(ref)
        for p in self.spec.get("ports") or []:
            if p.get("name") == ref:
                return int(p["containerPort"])
        raise SetupError(f"{self.ref}: port name {ref!r} is not one of the container's ports")

    def logs(self, lines=12):
        out = []
        for path in (self.log_err, self.log_out):
            if path and Path(path).exists():
                out += Path(path).read_text(errors="replace").splitlines()[-lines:]
        return out

    def stderr_text(self):
        return Path(self.log_err).read_text(errors="replace") if self.log_err and Path(self.log_err).exists() else ""
