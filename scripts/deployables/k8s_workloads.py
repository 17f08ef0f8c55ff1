"""The objects of a rendered kustomization (`kubectl kustomize` output) and the containers in them
that run the project's image: their effective argv, subcommand, environment and settings."""
import os
import re

import yaml

# Kubernetes quantity suffixes (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/).
QUANTITY_SUFFIXES = {"": 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
                     "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
IMAGE_NAME = "fraudscore"
DEFAULT_SUBCOMMAND = "serve"  # `fraudscore --help`: serve (default)
POD_TEMPLATE_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")


def quantity(q):
    """A Kubernetes quantity (500m, 1, 256Mi, 1G, …) as a number."""
    m = re.fullmatch(r"([0-9.]+(?:[eE][+-]?[0-9]+)?)([KMGTPE]i|[mkMGTPE]?)", str(q).strip())
    if not m:
        raise ValueError(f"not a Kubernetes quantity: {q!r}")
    return float(m.group(1)) * QUANTITY_SUFFIXES[m.group(2)]


def mib(n):
    return f"{n / 2**20:g} MiB"


def pod_spec(doc):
    """The pod spec (or, for a KServe ServingRuntime, the spec with its containers) of an object."""
    kind, spec = doc.get("kind"), doc.get("spec") or {}
    if kind in POD_TEMPLATE_KINDS:
        return spec.get("template", {}).get("spec")
    if kind == "CronJob":
        return spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec")
    if kind in ("Pod", "ServingRuntime"):
        return spec
    return None


class Render:
    def __init__(self, path):
        self.path = path
        self.docs = [d for d in yaml.safe_load_all(open(path)) if d]
        self.config_maps = {d["metadata"]["name"]: d.get("data") or {} for d in self.kind("ConfigMap")}

    def kind(self, kind):
        return [d for d in self.docs if d["kind"] == kind]

    def containers(self, image):
        """Container of each object with a pod spec that runs the project's image."""
        for doc in self.docs:
            pod = pod_spec(doc)
            for spec in (pod or {}).get("containers") or []:
                c = Container(doc, spec, self.config_maps, image)
                if c.ours:
                    yield c


class Container:
    def __init__(self, doc, spec, config_maps, image):
        self.doc, self.spec = doc, spec
        self.ref = f"{doc['kind']}/{doc['metadata']['name']} container {spec.get('name')}"
        repository = str(spec.get("image", "")).split("@")[0]
        self.ours = repository.rsplit("/", 1)[-1].split(":")[0] == IMAGE_NAME
        command, args = spec.get("command"), spec.get("args")
        # Kubernetes: command replaces ENTRYPOINT (and drops CMD); args replace CMD.
        self.argv = list(command or image.entrypoint or []) + list(args or ([] if command else image.cmd or []))
        self.env, self.missing = self.environment(config_maps)

    @property
    def subcommand(self):
        if not self.argv or os.path.basename(self.argv[0]) != IMAGE_NAME:
            return None
        rest = self.argv[1:]
        return rest[0] if rest and not rest[0].startswith("-") else DEFAULT_SUBCOMMAND

    def environment(self, config_maps):
        """(the variables from env and envFrom ConfigMaps, the ConfigMaps referenced but not rendered)."""
        env, missing = {}, []
        for ref in self.spec.get("envFrom") or []:
            name = (ref.get("configMapRef") or {}).get("name")
            if name in config_maps:
                env.update({ref.get("prefix", "") + k: v for k, v in config_maps[name].items()})
            elif name and not ref["configMapRef"].get("optional"):
                missing.append(name)
        for var in self.spec.get("env") or []:
            key_ref = (var.get("valueFrom") or {}).get("configMapKeyRef")
            if "value" in var:
                env[var["name"]] = str(var["value"])
            elif key_ref and key_ref.get("key") in config_maps.get(key_ref.get("name"), {}):
                env[var["name"]] = config_maps[key_ref["name"]][key_ref["key"]]
        return env, missing

    def setting(self, option):
        """A setting of the binary: --option in argv, else FRAUDSCORE_OPTION; None when unset."""
        for i, a in enumerate(self.argv):
            if a == f"--{option}" and i + 1 < len(self.argv):
                return self.argv[i + 1]
            if a.startswith(f"--{option}="):
                return a.split("=", 1)[1]
        return self.env.get("FRAUDSCORE_" + option.upper().replace("-", "_"))

    @property
    def limits(self):
        return (self.spec.get("resources") or {}).get("limits") or {}
