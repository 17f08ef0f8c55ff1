"""Storage: the S3 endpoints and buckets the project's containers name, served by a local
moto_server (SigV4; tests/e2e/s3server.py) behind a forwarder per endpoint (https with the run's
throwaway CA); the model repositories, their versions, and seeding those no Job publishes to."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from . import ROOT
from .dockerfile import BASE_IMAGE_PATH
from .expand import get_opt
from .kube_objects import spec_of
from .network import Forwarder, service_for_host
from .report import SetupError
from .tls import ThrowawayCA

E2E_HELPERS = ROOT / "tests" / "e2e"


def is_remote(model):
    return model.startswith("s3://") or model.startswith("https://")


def parse_s3_uri(uri):
    u = urlsplit(uri)
    return u.netloc, u.path.lstrip("/")


def s3_prefix(uri):
    """(bucket, key prefix ending in "/", or "" for the whole bucket) of an s3:// URI."""
    bucket, prefix = parse_s3_uri(uri)
    return bucket, prefix.rstrip("/") + "/" if prefix else ""


def watched_repository(t, c):
    """The s3:// model repository a serve container reads, when moto serves it; else None."""
    repo = c.model if c.subcommand == "serve" else None
    return repo if repo and repo.startswith("s3://") and t.s3 else None


def find_storage(t, c):
    """The S3 endpoints and buckets this container talks to; they get a moto stand-in."""
    c.storage = []
    uris = []
    if c.subcommand == "serve":
        c.model = c.setting("model", t.r.defaults.get("model"))
        if c.model and is_remote(c.model):
            uris.append(c.model)
    elif c.subcommand == "publish":
        to = get_opt(c.sub_args, "--to")
        if to:
            uris.append(to)
    for uri in uris:
        if uri.startswith("s3://"):
            c.storage.append(_s3_endpoint(t, c, uri))
        else:
            u = urlsplit(uri)
            c.storage.append((uri, None, u.scheme, u.hostname, u.port or 443))
    if c.w.storage_initializer and c.w.storage_initializer[0].startswith("s3://"):
        t.buckets.add(parse_s3_uri(c.w.storage_initializer[0])[0])


def _s3_endpoint(t, c, uri):
    """(uri, path-style endpoint or None, scheme, host, port) the container sends uri's requests to."""
    bucket, _ = parse_s3_uri(uri)
    t.buckets.add(bucket)
    endpoint = c.setting("s3-endpoint") or c.env.get("AWS_ENDPOINT_URL_S3") or c.env.get("AWS_ENDPOINT_URL")
    region = c.setting("s3-region") or c.env.get("AWS_REGION") or c.env.get("AWS_DEFAULT_REGION") or "us-east-1"
    if not endpoint:
        endpoint = f"https://s3.{region}.amazonaws.com"
        addressing = c.setting("s3-addressing") or "virtual"
    else:
        addressing = c.setting("s3-addressing") or "path"
    u = urlsplit(endpoint)
    host = u.hostname
    if addressing == "virtual":
        host = f"{bucket}.{host}"
    port = u.port or (443 if u.scheme == "https" else 80)
    return uri, endpoint if addressing == "path" else None, u.scheme, host, port


def start_storage(t):
    """moto with every bucket named, and a forwarder at each endpoint the containers use."""
    _start_moto(t)
    stand_ins = {}
    for c in t.containers:
        for uri, endpoint, scheme, host, port in c.storage:
            stand_ins.setdefault((host, port), (scheme, c.w.ns))
    for (host, port), (scheme, ns) in sorted(stand_ins.items()):
        _forward_endpoint(t, host, port, scheme, ns)
    if t.ca is not None:
        system = Path("/etc/ssl/certs/ca-certificates.crt")
        t.ca_bundle = t.work / "ca-certificates.crt"
        t.ca_bundle.write_bytes((system.read_bytes() if system.exists() else b"") + b"\n" + t.ca.pem)


def _start_moto(t):
    if str(E2E_HELPERS) not in sys.path:
        sys.path.insert(0, str(E2E_HELPERS))
    from s3server import start_s3_server
    buckets = sorted(t.buckets) or ["models"]
    moto_dir = t.work / "moto"
    moto_dir.mkdir()
    # moto takes the first label of a dotted host name for a bucket (virtual-hosted style)
    # unless the host is one of its "custom endpoints": path-style endpoints are listed there.
    path_style = sorted({endpoint for c in t.containers for _, endpoint, *_ in c.storage if endpoint})
    saved = os.environ.get("MOTO_S3_CUSTOM_ENDPOINTS")
    os.environ["MOTO_S3_CUSTOM_ENDPOINTS"] = ",".join(path_style)
    try:
        t.s3 = start_s3_server(moto_dir, bucket=buckets[0])
    finally:
        if saved is None:
            os.environ.pop("MOTO_S3_CUSTOM_ENDPOINTS")
        else:
            os.environ["MOTO_S3_CUSTOM_ENDPOINTS"] = saved
    for b in buckets[1:]:
        t.s3.client().create_bucket(Bucket=b)


def _forward_endpoint(t, host, port, scheme, ns):
    svc = service_for_host(t, host, ns)
    if svc is not None:
        ip = t.service_ips[(t.objs.ns(svc), svc["metadata"]["name"])]
        ports = [int(p["port"]) for p in spec_of(svc).get("ports") or []]
        if port not in ports:
            raise SetupError(f"storage endpoint {host}:{port}: Service {svc['metadata']['name']} has no port "
                             f"{port} (it has {ports})")
        where = f"Service {svc['metadata']['name']} ({ip}:{port})"
    else:
        ip = t.external_hosts.setdefault(host, f"127.2.0.{len(t.external_hosts) + 1}")
        where = f"external host {host} ({ip}:{port})"
    tls = None
    if scheme == "https":
        if t.ca is None:
            t.ca = ThrowawayCA(t.work)
        tls = t.ca.server_context(host)
    t.forwarders.append(Forwarder((ip, port), ("127.0.0.1", t.s3.port), tls))
    t.report.note(f"storage {scheme}://{host}:{port} -> moto (SigV4) via {where}"
                  + (", TLS by the runner's throwaway CA" if tls else ""))


def repositories_read(t):
    """s3:// repositories read by long-running project containers (model URIs, storageUri)."""
    out = {}
    for c in t.containers:
        if not c.w.long_running or c.init:
            continue
        if c.subcommand == "serve" and c.model and c.model.startswith("s3://"):
            out.setdefault(c.model, []).append(c)
    for w in t.project:
        if w.storage_initializer and w.storage_initializer[0].startswith("s3://"):
            out.setdefault(w.storage_initializer[0], []).append(w)
    return out


def published_by_jobs(t, uri):
    """The Jobs that publish (or, with a broken argv, mean to publish: their `--to` says so)
    into the repository uri (or its parent, when uri names a version folder)."""
    norm = lambda u: u.rstrip("/") + "/"
    jobs = []
    for c in t.containers:
        to = get_opt(c.argv, "--to")
        if c.w.long_running or not to or not to.startswith("s3://"):
            continue
        if norm(uri).startswith(norm(to)) and c.w not in jobs:
            jobs.append(c.w)
    return jobs


def versions(t, uri):
    """{version: manifest} of the complete versions under an s3:// repository prefix."""
    bucket, prefix = s3_prefix(uri)
    out = {}
    for key in t.s3.list(prefix, bucket=bucket):
        m = re.fullmatch(re.escape(prefix) + r"(\d+)/manifest\.json", key)
        if m:
            out[int(m.group(1))] = json.loads(t.s3.get(key, bucket=bucket))
    return out


def seed_repositories(t):
    """Publish the image's bundled model to each repository read that no Job publishes to."""
    for uri in repositories_read(t):
        if not published_by_jobs(t, uri):
            _seed(t, uri)


def _seed(t, uri):
    bucket, prefix = parse_s3_uri(uri)
    m = re.fullmatch(r"(.*?)(\d+)/?", prefix)
    to, version = (f"s3://{bucket}/{m.group(1)}", m.group(2)) if m else (uri, None)
    present = versions(t, to)
    if (int(version) in present) if version else present:
        return
    model = t.r.bundled_model()
    cmd = [t.r.binary, "publish", str(model), "--to", to, "--s3-endpoint", t.s3.endpoint]
    if version:
        cmd += ["--version", version]
    env = {"PATH": BASE_IMAGE_PATH, "AWS_ACCESS_KEY_ID": t.s3.access_key,
           "AWS_SECRET_ACCESS_KEY": t.s3.secret_key, "AWS_REGION": t.s3.region}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    if done.returncode != 0:
        raise SetupError(f"seeding {uri} failed ({done.returncode}): {done.stderr.strip()}")
    t.report.note(f"seeded {uri} with the image's bundled model "
                  f"({os.path.relpath(model, ROOT)}; no Job here publishes to it): {done.stdout.strip()}")
