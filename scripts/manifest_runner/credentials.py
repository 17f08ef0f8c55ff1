"""Secrets, and the S3 credentials in them: the Secret keys a container takes its S3 credentials
from (secretKeyRef, or AWS_*_FILE naming a mounted Secret key) hold moto's credentials; such a Secret
that is not in the rendered objects (created out of band) is supplied."""
from .kube_objects import secret_data

ROLES = {"AWS_ACCESS_KEY_ID": "access", "AWS_SECRET_ACCESS_KEY": "secret"}


def secret(t, ns, name, optional, problems):
    """A Secret's data as the container would see it (credential keys holding moto's), else None."""
    obj = t.objs.get("Secret", ns, name)
    data = secret_data(obj) if obj else None
    overrides = {k: v for (sns, sname, k), v in t.credential_keys.items() if sns == ns and sname == name}
    if overrides and t.s3 is not None:
        data = dict(data or {})
        for key, role in overrides.items():
            data[key] = (t.s3.access_key if role == "access" else t.s3.secret_key).encode()
    elif overrides:
        data = dict(data or {})
        for key in overrides:
            data.setdefault(key, b"not-yet-known")
    if data is None and not optional:
        problems.append(f"Secret {name} not found (CreateContainerConfigError)")
    return data


def find_credentials(t, c):
    """Which Secret keys hold this container's S3 credentials (they will hold moto's)."""
    for e in c.spec.get("env") or []:
        ref = (e.get("valueFrom") or {}).get("secretKeyRef")
        if ref and e["name"] in ROLES:
            t.credential_keys[(c.w.ns, ref["name"], ref["key"])] = ROLES[e["name"]]
    supplied = {}
    for var, role in ROLES.items():
        path = c.env.get(var + "_FILE")
        if not path:
            continue
        hit = secret_key_at(c, path)
        if hit:
            t.credential_keys[(c.w.ns, *hit)] = role
            if t.objs.get("Secret", c.w.ns, hit[0]) is None:
                supplied.setdefault(hit[0], []).append(hit[1])
    for name, keys in supplied.items():
        note = (f"Secret {c.w.ns}/{name} is not in the rendered objects (created out of band): "
                f"the runner supplies it, {' and '.join(keys)} holding moto's credentials")
        if note not in t.notes:
            t.notes.add(note)
            t.report.note(note)


def secret_key_at(c, path):
    """(secret name, key) of the mounted Secret file at path, if any."""
    volumes = {v["name"]: v for v in c.w.spec.get("volumes") or []}
    for m in c.spec.get("volumeMounts") or []:
        mp = m["mountPath"].rstrip("/")
        if not path.startswith(mp + "/"):
            continue
        hit = _secret_file(volumes.get(m["name"]) or {}, path[len(mp) + 1:])
        if hit:
            return hit
    return None


def _secret_file(vol, rel):
    """(secret name, key) of the file at rel inside a secret or projected volume, if any."""
    sources = []
    if "secret" in vol:
        sources.append(vol["secret"] | {"name": vol["secret"].get("secretName")})
    for s in (vol.get("projected") or {}).get("sources") or []:
        if "secret" in s:
            sources.append(s["secret"])
    for s in sources:
        items = s.get("items")
        if items:
            for it in items:
                if it.get("path") == rel:
                    return s["name"], it["key"]
        elif "/" not in rel:
            return s["name"], rel
    return None
