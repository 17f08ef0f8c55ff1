"""The image's facts, from the final stage of its Dockerfile: ENTRYPOINT, CMD, ENV, WORKDIR, USER,
COPY sources (the build context is the repository), VOLUME, LABEL."""
import json
import os
import re
import shlex
from pathlib import Path

from . import ROOT

# debian:*-slim sets PATH only; the runtime stage adds its own ENV on top.
BASE_IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class Image:
    def __init__(self):
        self.args = {}
        self.base = None
        self.entrypoint = []
        self.cmd = []
        self.env = {"PATH": BASE_IMAGE_PATH}
        self.workdir = "/"
        self.user = None
        self.copies = []      # (source relative to the build context, absolute destination)
        self.staged = []      # destinations of COPY --from=<stage> (built, not in the context)
        self.volumes = []
        self.labels = {}

    def title(self):
        return self.labels.get("org.opencontainers.image.title")


def parse_dockerfile(path):
    image = Image()
    global_args = {}
    stage_vars = {}
    in_stage = False
    for keyword, rest in _instructions(Path(path).read_text()):
        if keyword == "ARG":
            _arg(rest, global_args, stage_vars, in_stage)
        elif keyword == "FROM":
            in_stage, stage_vars = True, {}
            image = Image()
            image.args = global_args
            image.base = _subst(rest.split()[0], global_args)
        else:
            _apply(image, keyword, rest, {**global_args, **stage_vars, **image.env})
    return image


def _instructions(text):
    """(KEYWORD, rest) of each instruction: continuation lines joined, comments dropped."""
    logical, buf = [], ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if buf and line.lstrip().startswith("#"):
            continue  # comments inside a continued instruction
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        logical.append(buf + line)
        buf = ""
    if buf:
        logical.append(buf)
    for line in logical:
        keyword, _, rest = line.strip().partition(" ")
        yield keyword.upper(), rest.strip()


def _arg(rest, global_args, stage_vars, in_stage):
    for k, v in _kv_pairs(rest, {**global_args, **stage_vars}):
        if not in_stage:
            global_args[k] = v
        else:
            stage_vars.setdefault(k, global_args.get(k, v) if not v else v)


def _apply(image, keyword, rest, variables):
    if keyword == "ENV":
        image.env.update(_kv_pairs(rest, variables))
    elif keyword == "LABEL":
        image.labels.update(_kv_pairs(rest, variables))
    elif keyword == "ENTRYPOINT":
        image.entrypoint = _json_or_shell(rest)
        image.cmd = []  # ENTRYPOINT resets an inherited CMD
    elif keyword == "CMD":
        image.cmd = _json_or_shell(rest)
    elif keyword == "WORKDIR":
        image.workdir = os.path.normpath(os.path.join(image.workdir, _subst(rest, variables)))
    elif keyword == "USER":
        image.user = _subst(rest, variables)
    elif keyword == "VOLUME":
        image.volumes += json.loads(rest) if rest.startswith("[") else rest.split()
    elif keyword in ("COPY", "ADD"):
        _copy(image, rest, variables)


def _copy(image, rest, variables):
    parts = json.loads(rest) if rest.lstrip().startswith("[") else shlex.split(rest)
    flags = [p for p in parts if p.startswith("--")]
    paths = [_subst(p, variables) for p in parts if not p.startswith("--")]
    srcs, dest = paths[:-1], paths[-1]
    if not dest.startswith("/"):
        dest = os.path.join(image.workdir, dest)
    if any(f.startswith("--from=") for f in flags):
        image.staged.append(dest)
        return
    for src in srcs:
        d = dest
        if dest.endswith("/") and not (ROOT / src).is_dir():
            d = os.path.join(dest, os.path.basename(src))
        image.copies.append((src.rstrip("/"), os.path.normpath(d)))


def _subst(value, variables):
    def repl(m):
        name = m.group(1) or m.group(2)
        return variables.get(name, "")
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)", repl, value)


def _kv_pairs(rest, variables):
    """KEY=VALUE pairs of ENV/LABEL/ARG (also the legacy `ENV KEY VALUE`)."""
    tokens = shlex.split(rest, posix=True)
    if tokens and "=" not in tokens[0]:
        return [(tokens[0], _subst(" ".join(tokens[1:]), variables))]
    out = []
    for tok in tokens:
        k, _, v = tok.partition("=")
        out.append((k, _subst(v, variables)))
    return out


def _json_or_shell(rest):
    if rest.startswith("["):
        return json.loads(rest)
    return ["/bin/sh", "-c", rest]
