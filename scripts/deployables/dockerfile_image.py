"""The image a Dockerfile builds, as far as the checks need it: its last stage's ENV, COPYs (from
the build context), ENTRYPOINT, CMD and HEALTHCHECK."""
import json
import re
import shlex

# Where the Dockerfile installs the release binary.
BIN_IN_IMAGE = "/usr/local/bin/fraudscore"


def instructions(dockerfile):
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    lines, buf = [], ""
    for raw in open(dockerfile):
        s = raw.rstrip("\n")
        if s.lstrip().startswith("#") and not buf:
            continue
        if s.endswith("\\"):
            buf += s[:-1] + " "
            continue
        lines.append((buf + s).strip())
        buf = ""
    return [line for line in lines if line]


class Image:
    """The last stage of a Dockerfile."""

    def __init__(self, dockerfile):
        self.dockerfile = dockerfile
        stages = []
        for line in instructions(dockerfile):
            word, _, rest = line.partition(" ")
            word = word.upper()
            if word == "FROM":
                stages.append({"from": rest, "env": {}, "copy": [], "entrypoint": None, "cmd": None,
                               "healthcheck": None})
            elif stages:
                self.apply(stages[-1], word, rest)
        last = stages[-1]
        self.env, self.copy = last["env"], last["copy"]
        self.entrypoint, self.cmd, self.healthcheck = last["entrypoint"], last["cmd"], last["healthcheck"]

    @staticmethod
    def apply(stage, word, rest):
        if word == "ENV":
            for pair in shlex.split(rest):
                k, _, v = pair.partition("=")
                stage["env"][k] = v
        elif word in ("ENTRYPOINT", "CMD"):
            stage[word.lower()] = json.loads(rest)
        elif word == "HEALTHCHECK":
            m = re.search(r"\bCMD\s+(\[.*\])\s*$", rest)
            stage["healthcheck"] = ["CMD"] + json.loads(m.group(1)) if m else ["NONE"]
        elif word == "COPY":
            parts = [p for p in rest.split() if not p.startswith("--")]
            if "--from=" not in rest:
                stage["copy"].append((parts[0].rstrip("/"), parts[-1].rstrip("/")))

    def installs_binary(self):
        return "/staging" + BIN_IN_IMAGE in open(self.dockerfile).read()

    def path(self, path, volumes=()):
        """The repository path a path inside the image comes from, True for a volume, None if absent."""
        for src, dst in self.copy:
            if path == dst or path.startswith(dst + "/"):
                return src + path[len(dst):]
        for v in volumes:
            target = (v.split(":")[1] if isinstance(v, str) else v.get("target", "")).rstrip("/")
            if target and (path == target or path.startswith(target + "/")):
                return True
        return None
