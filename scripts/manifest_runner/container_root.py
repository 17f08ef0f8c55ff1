"""What goes into a container's root, the way the image and the pod spec say: the base image
stand-in (the host's /usr and /etc), the image's files (the binary at ENTRYPOINT[0], the COPY
sources), the kubelet's files (/etc/hosts, /etc/hostname, /etc/resolv.conf, the termination log),
the volumes at their mountPaths and the service account token."""
import os
from pathlib import Path

from . import ROOT
from .network import hosts_file, resolv_conf
from .report import SetupError
from .root_plan import RootPlan, apply
from .volumes import volume_source


def assemble(t, c):
    """Build and mount the container's root folder; its logs go beside it."""
    w = c.w
    base = t.work / "pods" / w.pod_name / c.name
    base.mkdir(parents=True)
    root = base / "root"
    root.mkdir()
    c.log_out, c.log_err = base / "stdout.log", base / "stderr.log"
    plan = RootPlan(root)
    _base_image(plan)
    _image_files(plan, t.r, c.workdir)
    _kubelet_files(t, c, base / "kubelet", plan)
    _volumes(t, c, plan)
    _service_account(t, w, base / "volumes" / "kube-api-access", plan)
    apply(plan, readonly=c.readonly_root)
    c.root = root


def _base_image(plan):
    """The base image (debian:*-slim): the host's /usr and /etc (same release), merged-/usr links."""
    for top in ("usr", "etc"):
        plan.host_dir("/" + top)
    # /usr/local is the image's own (empty in the base image); the host's is not part of it.
    plan.exclude("/usr/local")
    for d in ("bin", "etc", "games", "include", "lib", "sbin", "share", "src"):
        plan.dir(f"/usr/local/{d}", 0o755)
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        p = Path("/" + top)
        if p.is_symlink():
            plan.symlink("/" + top, os.readlink(p))
        elif p.is_dir():
            plan.host_dir("/" + top)
    for d in ("dev", "proc", "sys", "tmp", "run", "var", "opt", "home", "root", "srv", "mnt", "media"):
        plan.dir("/" + d, 0o1777 if d == "tmp" else 0o755)


def _image_files(plan, runner, workdir):
    """The binary at ENTRYPOINT[0] (and the libraries a dynamically linked build needs), the
    Dockerfile's COPY sources, VOLUME and WORKDIR folders."""
    image = runner.image
    plan.file_bind(image.entrypoint[0], runner.binary)
    for lib_dir in runner.binary_lib_dirs:
        plan.host_dir(lib_dir)
    for src, dest in image.copies:
        source = ROOT / src
        (plan.dir_bind if source.is_dir() else plan.file_bind)(dest, source)
    for v in image.volumes:
        plan.dir(v, 0o755)
    plan.dir(workdir, 0o755)


def _kubelet_files(t, c, kube, plan):
    w = c.w
    kube.mkdir()
    (kube / "hosts").write_text(hosts_file(t, w))
    (kube / "hostname").write_text(w.pod_name + "\n")
    (kube / "resolv.conf").write_text(resolv_conf(w.ns))
    (kube / "termination-log").write_text("")
    for name in ("hosts", "hostname", "resolv.conf"):
        os.chmod(kube / name, 0o644)
        plan.file_bind(f"/etc/{name}", kube / name)
    os.chmod(kube / "termination-log", 0o666)
    plan.file_bind(c.spec.get("terminationMessagePath", "/dev/termination-log"), kube / "termination-log",
                   readonly=False)
    if t.ca_bundle is not None:
        plan.file_bind("/etc/ssl/certs/ca-certificates.crt", t.ca_bundle)


def _volumes(t, c, plan):
    volumes = {v["name"]: v for v in c.w.spec.get("volumes") or []}
    fs_group = (c.w.spec.get("securityContext") or {}).get("fsGroup")
    for m in c.spec.get("volumeMounts") or []:
        vol = volumes.get(m["name"])
        if vol is None:
            raise SetupError(f"volumeMount {m['name']}: no such volume in the pod")
        kind, path = volume_source(t, c, vol, t.work / "pods" / c.w.pod_name / "volumes", fs_group)
        if m.get("subPath"):
            path = path / m["subPath"]
            if kind != "atomic":
                path.mkdir(parents=True, exist_ok=True)
        plan.volume(m["mountPath"], path, readonly=bool(m.get("readOnly")) or kind == "atomic")


def _service_account(t, w, tok, plan):
    """The service account token (automount unless the pod or its ServiceAccount says false)."""
    sa_name = w.spec.get("serviceAccountName") or "default"
    sa = t.objs.get("ServiceAccount", w.ns, sa_name)
    automount = w.spec.get("automountServiceAccountToken",
                           (sa or {}).get("automountServiceAccountToken", True))
    if automount:
        tok.mkdir(parents=True)
        (tok / "token").write_text("run-manifests-fake-token")
        (tok / "namespace").write_text(w.ns)
        (tok / "ca.crt").write_text("")
        plan.volume("/var/run/secrets/kubernetes.io/serviceaccount", tok, readonly=True)
