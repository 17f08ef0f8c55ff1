"""Pod volumes as the kubelet makes them: emptyDir as a tmpfs (sizeLimit, fsGroup); Secret,
ConfigMap, projected and downwardAPI volumes as files laid out by its atomic writer (..data symlink,
defaultMode, fsGroup)."""
import os

from .credentials import secret
from .expand import configmap, field_ref, resource_ref
from .kube_objects import quantity
from .linux import tmpfs
from .report import SetupError

ATOMIC_KINDS = ("secret", "configMap", "projected", "downwardAPI")
STAMP = "..2026_01_01_00_00_00.runner"


def volume_source(t, c, vol, folder, fs_group):
    """Materialize a pod volume once: ('atomic', path) for Secret/ConfigMap/projected/downwardAPI
    (read-only, the kubelet's atomic-writer layout), ('dir', path) for an emptyDir (a tmpfs)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / vol["name"]
    if path.exists():
        return ("atomic" if any(k in vol for k in ATOMIC_KINDS) else "dir", path)
    if "emptyDir" in vol:
        _empty_dir(path, vol["emptyDir"] or {}, fs_group)
        return ("dir", path)
    _write_atomic(path, _volume_files(t, c, vol), fs_group)
    return ("atomic", path)


def _empty_dir(path, empty_dir, fs_group):
    # One tmpfs per pod volume (shared by its containers), sizeLimit enforced; with an
    # fsGroup, group-owned and setgid as the kubelet makes it.
    size = empty_dir.get("sizeLimit")
    path.mkdir()
    opts = "mode=2777" if fs_group is not None else "mode=0777"
    if fs_group is not None:
        opts += f",gid={fs_group}"
    tmpfs(path, opts + (f",size={int(quantity(size))}" if size else ""))


def _volume_files(t, c, vol):
    """{relative path: (content, mode)} of a Secret, ConfigMap, projected or downwardAPI volume."""
    if "secret" in vol or "configMap" in vol:
        sources = [vol]
    elif "projected" in vol:
        sources = vol["projected"].get("sources") or []
    elif "downwardAPI" in vol:
        sources = [vol]
    else:
        kinds = [k for k in vol if k != "name"]
        raise SetupError(f"volume {vol['name']}: type {kinds} not supported by the runner")
    default_mode = (vol.get("secret") or vol.get("configMap") or vol.get("projected")
                    or vol.get("downwardAPI") or {}).get("defaultMode", 0o644)
    files, problems = {}, []
    for s in sources:
        files.update(_source_files(t, c, s, default_mode, problems))
    if problems:
        raise SetupError(f"volume {vol['name']}: " + "; ".join(problems)
                         + " (the pod would stay ContainerCreating)")
    return files


def _source_files(t, c, s, default_mode, problems):
    if "secret" in s:
        spec = s["secret"]
        sname = spec.get("secretName") or spec.get("name")
        data = secret(t, c.w.ns, sname, spec.get("optional", False), problems)
    elif "configMap" in s:
        spec = s["configMap"]
        sname = spec["name"]
        data = configmap(t.objs, c.w.ns, sname, spec.get("optional", False), problems, why="")
    elif "downwardAPI" in s:
        return _downward_files(c, s["downwardAPI"], default_mode, problems)
    elif "serviceAccountToken" in s:
        return {s["serviceAccountToken"]["path"]: (b"run-manifests-fake-token", default_mode)}
    else:
        return {}
    if data is None:
        return {}
    return _key_files(spec, sname, data, default_mode, problems)


def _key_files(spec, sname, data, default_mode, problems):
    """The files of a Secret's or ConfigMap's keys: `items` (path, mode), else every key."""
    items = spec.get("items")
    if not items:
        return {k: (v, default_mode) for k, v in data.items()}
    files = {}
    for it in items:
        if it["key"] not in data:
            if not spec.get("optional", False):
                problems.append(f"{sname} has no key {it['key']}")
            continue
        files[it["path"]] = (data[it["key"]], it.get("mode", default_mode))
    return files


def _downward_files(c, spec, default_mode, problems):
    files = {}
    for it in spec.get("items") or []:
        if "fieldRef" in it:
            value = field_ref(c.w, it["fieldRef"]["fieldPath"], problems)
        else:
            value = resource_ref(c, it["resourceFieldRef"], problems)
        files[it["path"]] = (value.encode(), it.get("mode", default_mode))
    return files


def _write_atomic(path, files, fs_group):
    """The kubelet's atomic writer: files in a timestamped folder, ..data -> it, key -> ..data/key."""
    path.mkdir()
    (path / STAMP).mkdir()
    for rel, (content, mode) in files.items():
        f = path / STAMP / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(content)
        if fs_group is not None:
            mode |= 0o440
            os.chown(f, 0, fs_group)
        os.chmod(f, mode)
    os.symlink(STAMP, path / "..data")
    for rel in {r.split("/", 1)[0] for r in files}:
        os.symlink(f"..data/{rel}", path / rel)
    for d in (path, path / STAMP):
        if fs_group is not None:
            os.chown(d, 0, fs_group)
            os.chmod(d, 0o2755)
        else:
            os.chmod(d, 0o755)
