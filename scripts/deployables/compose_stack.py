"""A compose file's services as the compose check sees them: which are built from the Dockerfile,
their environments and start order, the S3 storage (MinIO) among them, its clients and buckets."""
import os
import re
import shlex
from urllib.parse import urlsplit

import yaml


def as_list(v):
    return shlex.split(v) if isinstance(v, str) else list(v or [])


def env_of(svc):
    e = svc.get("environment") or {}
    if isinstance(e, list):
        e = dict(x.split("=", 1) if "=" in x else (x, "") for x in e)
    return {k: "" if v is None else str(v) for k, v in e.items()}


def depends(svc):
    """{service: condition} this one depends on."""
    d = svc.get("depends_on") or {}
    if isinstance(d, list):
        return {k: "service_started" for k in d}
    return {k: (v or {}).get("condition", "service_started") for k, v in d.items()}


def seconds(v, default=10.0):
    """A compose duration (1m30s, 500ms, …) in seconds."""
    if v is None:
        return default
    total = 0.0
    for n, unit in re.findall(r"([\d.]+)(ms|us|s|m|h)", str(v)):
        total += float(n) * {"ms": 1e-3, "us": 1e-6, "s": 1, "m": 60, "h": 3600}[unit]
    return total


def endpoint(env, option=None):
    """The S3 endpoint of a client: its option, else the AWS SDK's variables."""
    return option or env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")


class Stack:
    def __init__(self, path, dockerfile, problems):
        self.path, self.dockerfile, self.problems = path, dockerfile, problems
        text = open(path).read()
        self.services = yaml.safe_load(text).get("services", {})
        for m in re.finditer(r"(?<!\$)\$\{?([A-Za-z_][A-Za-z0-9_]*)", text):
            problems.add(f"{path}: ${m.group(1)} is interpolated from the caller's environment; "
                         "the stack must run as it is")
        self.storage = {}  # service name -> {"user", "password", "port"}
        self.buckets = {}  # (storage service, bucket) -> the service creating it

    def problem(self, service, msg):
        self.problems.add(f"{service}: {msg}")

    def ours(self, svc):
        """Built from the Dockerfile?"""
        build = svc.get("build")
        context = build if isinstance(build, str) else (build or {}).get("context")
        return context in (".", "./") and (not isinstance(build, dict) or
                                           build.get("dockerfile", "Dockerfile") == os.path.basename(self.dockerfile))

    def needs(self, name, other, seen=None):
        """The dependency conditions on the path from service name to other (transitively)."""
        seen = seen or set()
        for dep, cond in depends(self.services[name]).items():
            if dep == other:
                return [cond]
            if dep in self.services and dep not in seen:
                seen.add(dep)
                path = self.needs(dep, other, seen)
                if path is not None:
                    return [cond] + path
        return None

    def find_storage(self):
        """Images pinned; the MinIO services, with their credentials, port and healthcheck."""
        for name, svc in self.services.items():
            img = svc.get("image", "")
            if not self.ours(svc):
                ref = img.rsplit("/", 1)[-1]
                if ":" not in ref or ref.endswith(":latest"):
                    self.problem(name, f"image {img!r} is not pinned to a tag")
            if "minio/minio" in img:
                self.add_minio(name, svc)

    def add_minio(self, name, svc):
        env = env_of(svc)
        user, password = env.get("MINIO_ROOT_USER"), env.get("MINIO_ROOT_PASSWORD")
        if not (user and password) and not (env.get("MINIO_ROOT_USER_FILE") and env.get("MINIO_ROOT_PASSWORD_FILE")):
            self.problem(name, "MinIO needs MINIO_ROOT_USER and MINIO_ROOT_PASSWORD (or their _FILE variants)")
        args = as_list(svc.get("command"))
        address = next((args[i + 1] for i, a in enumerate(args[:-1]) if a == "--address"), ":9000")
        self.storage[name] = {"user": user, "password": password, "port": int(address.rsplit(":", 1)[1])}
        if not (svc.get("healthcheck") or {}).get("test"):
            self.problem(name, "no healthcheck: the services that need the storage cannot wait for it")

    def storage_of(self, service, url, what):
        """The storage service an endpoint URL names, after checking it is one and its port."""
        u = urlsplit(url)
        if u.hostname not in self.services:
            self.problem(service, f"{what} {url} names no service of the stack")
            return None
        if u.hostname not in self.storage:
            self.problem(service, f"{what} {url}: {u.hostname} is not a known S3 storage (MinIO) service")
            return None
        if (u.port or (443 if u.scheme == "https" else 80)) != self.storage[u.hostname]["port"]:
            self.problem(service, f"{what} {url}: {u.hostname} listens on port {self.storage[u.hostname]['port']}")
        return u.hostname

    def check_s3_client(self, name, env, url, what):
        """An S3 client's endpoint, credentials and start order; returns the storage service it uses."""
        host = self.storage_of(name, url, what) if url else None
        if url is None:
            self.problem(name, f"{what}: no S3 endpoint (--s3-endpoint or FRAUDSCORE_S3_ENDPOINT): it would call AWS")
        has_keys = env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY")
        has_files = env.get("AWS_ACCESS_KEY_ID_FILE") and env.get("AWS_SECRET_ACCESS_KEY_FILE")
        if not (has_keys or has_files or env.get("AWS_PROFILE")):
            self.problem(name, "S3 credentials missing: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                               "(or their _FILE variants)")
        elif host and has_keys and self.storage[host]["user"] is not None and \
                (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) != \
                (self.storage[host]["user"], self.storage[host]["password"]):
            self.problem(name, f"its S3 credentials are not {host}'s root credentials")
        if host and self.needs(name, host) is None:
            self.problem(name, f"does not depend on {host}, which it reads")
        return host

    def check_bucket_creation(self, name, svc):
        """The MinIO client creating buckets: MC_HOST_<alias> must point at the storage with its credentials."""
        if "minio/mc" not in svc.get("image", ""):
            return
        args, env = as_list(svc.get("command")), env_of(svc)
        if "mb" not in args:
            return
        for target in [a for a in args[args.index("mb") + 1:] if not a.startswith("-")]:
            alias, _, bucket = target.partition("/")
            url = env.get(f"MC_HOST_{alias}")
            if not url:
                self.problem(name, f"mc alias {alias} has no MC_HOST_{alias}")
                continue
            u = urlsplit(url)
            host = self.storage_of(name, f"{u.scheme}://{u.hostname}:{u.port}", f"MC_HOST_{alias}")
            if host and (u.username, u.password) != (self.storage[host]["user"], self.storage[host]["password"]):
                self.problem(name, f"MC_HOST_{alias} does not carry {host}'s root credentials")
            if host and self.needs(name, host) != ["service_healthy"]:
                self.problem(name, f"must wait for {host} to be healthy (depends_on condition service_healthy)")
            self.buckets[(host, bucket)] = name
