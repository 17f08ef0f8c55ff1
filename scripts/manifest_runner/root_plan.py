"""Mounting a container root: a tmpfs root; host folders bound read-only; where the image or a
volume needs a path inside a host folder that the host does not have, that folder is "split"
(re-created in the tmpfs with each of its entries bound), so the host itself is never written to."""
import os
from pathlib import Path

from .linux import bind, mount_proc, remount_readonly, tmpfs


class RootPlan:
    def __init__(self, root):
        self.root = Path(root)
        self.host = {}       # absolute path -> host folder bound there
        self.symlinks = {}
        self.dirs = {}
        self.items = []      # (path, kind, source, readonly) mounted after the layout, shallow first
        self.excluded = []

    def host_dir(self, path):
        self.host[os.path.normpath(path)] = os.path.normpath(path)

    def exclude(self, path):
        """A host path that is not part of the base image (shown as an empty folder)."""
        self.excluded.append(os.path.normpath(path))

    def symlink(self, path, target):
        self.symlinks[path] = target

    def dir(self, path, mode):
        self.dirs[os.path.normpath(path)] = mode

    def file_bind(self, path, source, readonly=True):
        self.items.append((os.path.normpath(path), "file", Path(source), readonly))

    def dir_bind(self, path, source, readonly=True):
        self.items.append((os.path.normpath(path), "dir", Path(source), readonly))

    def volume(self, path, source, readonly):
        self.dir_bind(path, source, readonly)


def _depth(path):
    return path.count("/")


def _inside(path, top):
    return path == top or path.startswith(top + "/")


def apply(plan, readonly):
    """Mount the planned root (read-only at the end when readonly)."""
    root = plan.root
    tmpfs(root, "mode=0755,size=64m")
    tops, split = _layout(plan)
    excluded = set(plan.excluded)
    for h in tops:
        _materialize(root, h, split, excluded)
    for path, target in plan.symlinks.items():
        os.symlink(target, root / path.lstrip("/"))
    for path, mode in sorted(plan.dirs.items(), key=lambda x: _depth(x[0])):
        d = root / path.lstrip("/")
        if not d.exists():
            d.mkdir(parents=True)
            os.chmod(d, mode)
    _dev(root / "dev")
    # The image's files and the volumes, shallow first.
    for path, kind, source, ro in sorted(plan.items, key=lambda i: _depth(i[0])):
        d = root / path.lstrip("/")
        if kind == "file":
            if not d.exists():
                d.parent.mkdir(parents=True, exist_ok=True)
                d.touch()
        else:
            d.mkdir(parents=True, exist_ok=True)
        bind(source, d, readonly=ro)
    # /proc of the runner's PID namespace, the host's /sys read-only.
    mount_proc(root / "proc")
    bind("/sys", root / "sys")
    if readonly:
        remount_readonly(root, "mode=0755,size=64m")


def _layout(plan):
    """The outermost host folders, and the folders to split: those that hold a planned path the
    host does not have (and their ancestors up to the host folder)."""
    hosts = sorted(plan.host, key=_depth)
    tops = [h for h in hosts if not any(h != o and h.startswith(o + "/") for o in hosts)]
    excluded = set(plan.excluded)
    split = set()
    for ex in excluded:
        h = _owner(ex, tops)
        if h and ex != h:
            _mark(os.path.dirname(ex), h, split)
    targets = {p for p, *_ in plan.items} | set(plan.dirs) | set(plan.symlinks)
    for t in sorted(targets, key=_depth):
        h = _owner(t, tops)
        if h is None or t == h or any(_inside(t, ex) for ex in excluded):
            continue
        if os.path.lexists(t) and not os.path.islink(t) and (os.path.isdir(t) or os.path.isfile(t)):
            continue  # mounted over the host's entry: nothing to re-create
        _mark(os.path.dirname(t), h, split)
    return tops, split


def _owner(path, tops):
    return next((h for h in sorted(tops, key=len, reverse=True) if _inside(path, h)), None)


def _mark(path, top, split):
    """Split path (its nearest existing folder) and its ancestors up to top."""
    while not (os.path.isdir(path) and not os.path.islink(path)):
        path = os.path.dirname(path)
    while True:
        split.add(path)
        if path == top or path == "/":
            break
        path = os.path.dirname(path)


def _materialize(root, path, split, excluded):
    dest = root / path.lstrip("/")
    dest.mkdir(parents=True, exist_ok=True)
    if path not in split:
        bind(path, dest)
        return
    for entry in os.scandir(path):
        child = os.path.join(path, entry.name)
        if child in excluded:
            continue
        if child in split:
            _materialize(root, child, split, excluded)
        elif entry.is_symlink():
            os.symlink(os.readlink(child), dest / entry.name)
        elif entry.is_dir():
            (dest / entry.name).mkdir()
            bind(child, dest / entry.name)
        elif entry.is_file():
            (dest / entry.name).touch()
            bind(child, dest / entry.name)


def _dev(dev):
    """/dev: a tmpfs of its own (writable even with a read-only root), the usual nodes."""
    tmpfs(dev, "mode=0755,size=1m")
    for name in ("null", "zero", "full", "random", "urandom", "tty"):
        (dev / name).touch()
        bind(f"/dev/{name}", dev / name, readonly=False)
    for link, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2"), ("ptmx", "pts/ptmx")):
        os.symlink(target, dev / link)
    (dev / "shm").mkdir()
    tmpfs(dev / "shm", "mode=1777,size=64m")
