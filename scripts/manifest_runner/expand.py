"""What a container runs with, as the kubelet and the runtime make it: the effective argv
(`command`/`args` over ENTRYPOINT/CMD, `$(VAR)` expanded), the environment (image ENV, service links,
envFrom, env with ConfigMap/Secret keys, field and resource references), the identity and folder."""
import math
import os
import re

from .credentials import secret
from .kube_objects import configmap_data, quantity
from .network import service_env


def expand(value, lookup):
    """Kubernetes' $(VAR) expansion: $$ -> $, $(NAME) -> its value if defined, else kept as is."""
    out, i, n = [], 0, len(value)
    while i < n:
        ch = value[i]
        if ch != "$" or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        nxt = value[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "(":
            end = value.find(")", i + 2)
            if end == -1:
                out.append(value[i:])
                break
            name = value[i + 2:end]
            out.append(lookup[name] if name and name in lookup else value[i:end + 1])
            i = end + 1
        else:
            out.append(ch + nxt)
            i += 2
    return "".join(out)


def effective_argv(image, command, args):
    """What the container runs: `command` replaces ENTRYPOINT and drops CMD; `args` alone replace CMD.
    An empty list is no list to the API server (omitempty): `args: []` leaves CMD in place."""
    if command:
        return list(command) + list(args or [])
    return list(image.entrypoint) + list(args or image.cmd)


def get_opt(argv, name):
    """The last value of --name VALUE / --name=VALUE in argv, else None."""
    found = None
    for i, a in enumerate(argv):
        if a == name and i + 1 < len(argv):
            found = argv[i + 1]
        elif a.startswith(name + "="):
            found = a[len(name) + 1:]
    return found


def configmap(objs, ns, name, optional, problems, why=" (CreateContainerConfigError)"):
    """A ConfigMap's data, else None (a problem unless optional)."""
    obj = objs.get("ConfigMap", ns, name)
    if obj is None and not optional:
        problems.append(f"ConfigMap {name} not found{why}")
    return configmap_data(obj) if obj else None


def resolve(t, c):
    """Effective env and argv of a container of target t, as the kubelet and the runtime make them."""
    problems = []
    links = service_env(t, c.w)
    k8s = _env_from(t, c, problems)
    for e in c.spec.get("env") or []:
        _env_var(t, c, e, links, k8s, problems)
    image = t.r.image
    lookup = {**links, **k8s}
    command, args = c.spec.get("command"), c.spec.get("args")
    c.argv = [expand(str(a), lookup) for a in effective_argv(image, command, args)]
    c.k8s_env = k8s
    c.env = {**image.env, "HOSTNAME": c.w.pod_name, **links, **k8s}
    c.problems = problems
    _identity(c, image, problems)
    c.workdir = c.spec.get("workingDir") or image.workdir


def _ref_data(t, ns, ref, is_configmap, problems):
    optional = ref.get("optional", False)
    if is_configmap:
        return configmap(t.objs, ns, ref["name"], optional, problems)
    return secret(t, ns, ref["name"], optional, problems)


def _env_from(t, c, problems):
    k8s = {}
    for src in c.spec.get("envFrom") or []:
        is_configmap = "configMapRef" in src
        ref = src["configMapRef"] if is_configmap else src["secretRef"]
        data = _ref_data(t, c.w.ns, ref, is_configmap, problems) or {}
        for k, v in data.items():
            k8s[src.get("prefix", "") + k] = v.decode(errors="replace")
    return k8s


def _env_var(t, c, e, links, k8s, problems):
    name = e["name"]
    if "valueFrom" not in e:
        k8s[name] = expand(str(e.get("value", "")), {**links, **k8s})
        return
    vf = e["valueFrom"]
    if "configMapKeyRef" in vf or "secretKeyRef" in vf:
        value = _key_ref(t, c.w.ns, vf, problems)
        if value is not None:
            k8s[name] = value
    elif "fieldRef" in vf:
        k8s[name] = field_ref(c.w, vf["fieldRef"]["fieldPath"], problems)
    elif "resourceFieldRef" in vf:
        k8s[name] = resource_ref(c, vf["resourceFieldRef"], problems)
    else:
        problems.append(f"env {name}: valueFrom {list(vf)} not supported by the runner")


def _key_ref(t, ns, vf, problems):
    """The value of a configMapKeyRef or secretKeyRef, else None (a problem unless optional)."""
    is_configmap = "configMapKeyRef" in vf
    ref = vf["configMapKeyRef"] if is_configmap else vf["secretKeyRef"]
    data = _ref_data(t, ns, ref, is_configmap, problems)
    if data is not None and ref["key"] in data:
        return data[ref["key"]].decode(errors="replace")
    if not ref.get("optional", False) and data is not None:
        problems.append(f"{'ConfigMap' if is_configmap else 'Secret'} {ref['name']} has no key {ref['key']}")
    return None


def _identity(c, image, problems):
    """User, groups and privileges: container securityContext > pod securityContext > the image's USER."""
    psc, csc = c.w.spec.get("securityContext") or {}, c.spec.get("securityContext") or {}
    user, group = (image.user or "0").partition(":")[::2]
    uid = csc.get("runAsUser", psc.get("runAsUser"))
    gid = csc.get("runAsGroup", psc.get("runAsGroup"))
    if uid is None:
        if not user.isdigit():
            problems.append(f"the image's USER {user!r} is not numeric: runAsNonRoot cannot be verified")
            uid = 0
        else:
            uid = int(user)
    if gid is None:
        gid = int(group) if group.isdigit() else 0
    c.uid, c.gid = int(uid), int(gid)
    c.groups = sorted({*([psc["fsGroup"]] if "fsGroup" in psc else []), *(psc.get("supplementalGroups") or [])})
    non_root = csc.get("runAsNonRoot", psc.get("runAsNonRoot"))
    if non_root and c.uid == 0:
        problems.append("runAsNonRoot is set but the container would run as uid 0 (CreateContainerConfigError)")
    c.no_new_privs = csc.get("allowPrivilegeEscalation") is False
    c.readonly_root = bool(csc.get("readOnlyRootFilesystem"))


def field_ref(w, path, problems):
    simple = {"metadata.name": w.pod_name, "metadata.namespace": w.ns, "metadata.uid": "00000000-runner",
              "spec.nodeName": "runner-node",
              "spec.serviceAccountName": w.spec.get("serviceAccountName", "default"),
              "status.hostIP": "127.0.0.1", "status.podIP": "127.0.0.1", "status.podIPs": "127.0.0.1",
              "status.hostIPs": "127.0.0.1"}
    if path in simple:
        return simple[path]
    m = re.fullmatch(r"metadata\.(labels|annotations)\['([^']+)'\]", path)
    if m:
        return (w.pod_meta.get(m.group(1)) or {}).get(m.group(2), "")
    problems.append(f"fieldRef {path} not supported by the runner")
    return ""


def resource_ref(c, ref, problems):
    res = c.spec.get("resources") or {}
    kind, _, what = ref["resource"].partition(".")
    value = (res.get(kind) or {}).get(what)
    if value is None:
        value = os.cpu_count() if what == "cpu" else os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    divisor = quantity(ref.get("divisor", "1"))
    return str(max(1, math.ceil(quantity(value) / divisor)))
