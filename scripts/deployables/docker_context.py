"""docker_context.py: the Dockerfile's build context: what it COPYs exists and .dockerignore keeps it.

.dockerignore must be an allow-list starting with '*'; the bundled default model must exist.
"""
import os
import re
import sys

BUNDLED_MODEL = ("models/default/xgb_model.json", "models/default/model_meta.json")


def allowed_paths(path=".dockerignore"):
    ignore = [line.strip() for line in open(path) if line.strip() and not line.startswith("#")]
    if ignore[:1] != ["*"]:
        sys.exit(".dockerignore is expected to be an allow-list starting with '*'")
    return [p[1:].rstrip("/") for p in ignore if p.startswith("!")]


def copy_sources(dockerfile="Dockerfile"):
    """The sources of each COPY from the build context (not --from=another stage)."""
    for line in open(dockerfile):
        m = re.match(r"\s*COPY\s+(.*)", line)
        if not m or "--from=" in m.group(1):
            continue
        parts = [p for p in m.group(1).split() if not p.startswith("--")]
        yield from (src.rstrip("/") for src in parts[:-1])


def in_context(src, allowed):
    if src.endswith("*"):  # a glob such as Package.*: at least one allowed match must exist
        return any(os.path.exists(a) and a.startswith(src[:-1]) for a in allowed)
    return os.path.exists(src) and any(src == a or src.startswith(a + "/") for a in allowed)


def main():
    allowed = allowed_paths()
    missing = []
    for src in copy_sources():
        ok = in_context(src, allowed)
        print(f"COPY {src}: {'ok' if ok else 'missing or excluded by .dockerignore'}")
        if not ok:
            missing.append(src)
    missing += [f for f in BUNDLED_MODEL if not os.path.isfile(f)]
    if missing:
        sys.exit("not in the build context: " + ", ".join(missing))


if __name__ == "__main__":
    main()
