"""One target (a kustomization directory): render it, plan the pods of the project's image, run
them in phases (long-running pods start; Jobs run; readiness and serving; SIGTERM), tear down."""
import contextlib
import os
import re
import shutil
import traceback
from pathlib import Path

from . import ROOT
from .checks import static_checks
from .container import Container
from .container_root import assemble
from .credentials import find_credentials
from .expand import resolve
from .jobs import run_job
from .kserve import kserve_workload
from .kube_objects import Objects, image_repository, render
from .linux import detach
from .network import service_ips, services_selecting
from .pods import await_started, run_init, start_pod, terminate
from .process import kill
from .report import Scoped, SetupError
from .serving import await_ready
from .storage import find_storage, seed_repositories, start_storage
from .workloads import workloads


class Target:
    def __init__(self, runner, path):
        self.r = runner
        self.path = path
        self.label = os.path.relpath(path, ROOT) if Path(path).is_absolute() else str(path)
        short = self.label
        for prefix in ("k8s/overlays/", "k8s/examples/"):
            if self.label.startswith(prefix):
                short = self.label[len(prefix):]
        self.report = Scoped(runner.report, short)
        self.slug = re.sub(r"[^A-Za-z0-9_.-]", "_", self.label)
        self.work = runner.work / self.slug
        self.objs = None
        self.project = []    # Workloads running the project's image
        self.containers = []
        self.forwarders = []
        self.s3 = None
        self.service_ips = {}   # (ns, name) -> ip
        self.external_hosts = {}
        self.buckets = set()
        self.credential_keys = {}   # (ns, secret, key) -> "access" | "secret"
        self.ca = None
        self.ca_bundle = None
        self.published = {}     # repository uri -> [(version, Job workload)]
        self.notes = set()

    def run(self):
        self.work.mkdir(parents=True)
        try:
            self.objs = Objects(render(self.r.kubectl, self.path))
        except SetupError as e:
            self.report.fail(f"kubectl kustomize {self.label}", str(e))
            return
        try:
            self.plan()
        except SetupError as e:
            self.report.fail("plan (resolve the pods to run)", str(e))
            return
        try:
            self.execute()
        except SetupError as e:
            self.report.fail("run", str(e))
        except Exception:  # a bug of the runner: report it, clean up, go on with the next target
            self.report.fail("run (runner error)", traceback.format_exc())
        finally:
            self.teardown()

    # -- planning

    def is_project_image(self, ref):
        return image_repository(ref or "").rsplit("/", 1)[-1] == self.r.image_name

    def plan(self):
        all_workloads = workloads(self.objs, inference_service=kserve_workload)
        self.service_ips = service_ips(self.objs)
        for w in all_workloads:
            images = [c.get("image") for c in (w.spec.get("containers") or []) + (w.spec.get("initContainers") or [])]
            if any(self.is_project_image(i) for i in images):
                self.project.append(w)
            else:
                self.report.note(f"{w.ref} not run: image {', '.join(images)} is not the project's "
                                 f"({self.stand_in_text(w)})")
        if not self.project:
            self.report.note(f"no workload runs the project's image {self.r.image_name}")
        self.containers = [c for w in self.project for c in self.project_containers(w)]
        # Environment and argv: first pass without credentials, to learn which Secret keys hold them.
        for c in self.containers:
            resolve(self, c)
        for c in self.containers:
            find_credentials(self, c)
        for c in self.containers:
            resolve(self, c)
            find_storage(self, c)

    def project_containers(self, w):
        out = [Container(w, c, init=True) for c in w.spec.get("initContainers") or []
               if self.is_project_image(c.get("image"))]
        for c in w.spec.get("containers") or []:
            if self.is_project_image(c.get("image")):
                out.append(Container(w, c))
            else:
                self.report.note(f"{w.ref} container {c.get('name')} not run (image {c.get('image')})")
        return out

    def stand_in_text(self, w):
        for name, _ip, _svc in services_selecting(self, w):
            return f"Service {name} is served by the runner's moto when a project container names it as storage"
        if w.kind in ("Job", "CronJob"):
            return "the buckets the project's containers name are created in moto"
        return "nothing stands in for it"

    # -- execution

    def execute(self):
        for c in self.containers:
            if c.problems:
                self.report.fail(f"{c.ref}: configuration resolves", c.problems)
                c.broken = True
        static_checks(self)
        if self.buckets or any(c.storage for c in self.containers):
            start_storage(self)
            for c in self.containers:
                resolve(self, c)  # credentials now hold moto's keys
        seed_repositories(self)
        for c in self.containers:
            try:
                assemble(self, c)
            except (SetupError, OSError) as e:
                self.report.fail(f"{c.ref}: container root (volumes, mounts)", str(e))
                c.broken = True
        self.phases()

    def phases(self):
        # Phase 1: long-running pods start; their startup and liveness probes must answer.
        running = [w for w in self.project if w.long_running and run_init(self, w) and start_pod(self, w)]
        for w in running:
            await_started(self, w)
        # Phase 2: Jobs run to completion.
        for w in self.project:
            if not w.long_running and run_init(self, w):
                run_job(self, w)
        # Phase 3: readiness, served version, Service smoke test.
        for w in running:
            if w.alive:
                await_ready(self, w)
        # Phase 4: SIGTERM.
        for w in running:
            if w.alive:
                terminate(self, w)

    def teardown(self):
        """Stop every process and listener of this target; each step runs even if one fails."""
        for c in self.containers:
            kill(c)
        for f in self.forwarders:
            with contextlib.suppress(Exception):
                f.close()
        if self.s3 is not None:
            with contextlib.suppress(Exception):
                self.s3.stop()
        with contextlib.suppress(Exception):
            self.keep_logs()
        for c in self.containers:
            if c.root is not None:
                detach(c.root)
        for vol in (self.work / "pods").glob("*/volumes/*"):
            if os.path.ismount(vol):
                detach(vol)

    def keep_logs(self):
        if not self.r.logs_dir:
            return
        dest = Path(self.r.logs_dir) / self.slug
        for c in self.containers:
            for p in (c.log_out, c.log_err):
                if p and Path(p).exists():
                    (dest / c.w.pod_name / c.name).mkdir(parents=True, exist_ok=True)
                    shutil.copy(p, dest / c.w.pod_name / c.name / Path(p).name)
        if self.s3 is not None and Path(self.s3.log_path).exists():
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy(self.s3.log_path, dest / "moto_server.log")
