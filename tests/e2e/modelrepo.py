"""Helpers for model-repository tests: publishing versions into S3 (or a folder) the way a
training pipeline does, hand-crafting broken versions, and waiting on the server's /models."""
import hashlib
import json
import subprocess
import time
import urllib.error
import urllib.request

from conftest import FIXTURES, REPO, binary

DEFAULT_MODEL = REPO / "models" / "default"
REFERENCE_XGB = FIXTURES / "models" / "xgb_model.json"
GOLDEN = FIXTURES / "golden" / "golden_test_2000.jsonl"
TOKEN = "test-admin-token-0123456789"


def s3_env(s3, credentials=None):
    key, secret = credentials or s3.credentials
    return {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": s3.region}


def publish(s3, bucket, prefix, model, *args, endpoint=None, check=True):
    """`fraudscore publish` into s3://bucket/prefix/; returns the completed process."""
    cmd = [binary(), "publish", str(model), "--to", f"s3://{bucket}/{prefix}",
           "--s3-endpoint", endpoint or s3.endpoint, *args]
    env = {"PATH": "/usr/bin:/bin", **s3_env(s3)}
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    if check and done.returncode != 0:
        raise AssertionError(f"publish failed ({done.returncode}): {done.stderr}")
    return done


def manifest_for(files, model_file, model_version=None, validation=None):
    """A manifest.json as `fraudscore publish` writes it, for files given as {name: bytes}."""
    m = {"format_version": 1, "model_file": model_file,
         "files": {n: {"sha256": hashlib.sha256(b).hexdigest(), "size": len(b)} for n, b in files.items()}}
    if model_version:
        m["model_version"] = model_version
    if validation:
        m["validation"] = {"file": validation, "expected": "expected_prob", "tolerance": 1e-6}
    return json.dumps(m).encode()


def put_version(s3, bucket, prefix, version, files, manifest):
    """Uploads a version by hand: files, then manifest.json (None = leave it out)."""
    for name, data in files.items():
        s3.put(f"{prefix}{version}/{name}", data, bucket=bucket)
    if manifest is not None:
        s3.put(f"{prefix}{version}/manifest.json", manifest, bucket=bucket)


def default_files():
    return {"xgb_model.json": (DEFAULT_MODEL / "xgb_model.json").read_bytes(),
            "validation.jsonl": (DEFAULT_MODEL / "validation.jsonl").read_bytes()}


def http(method, url, body=None, headers=None):
    """(status, parsed JSON or text) without raising on 4xx/5xx."""
    data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode()


def models(server):
    return http("GET", server.url + "/models")[1]


def wait_until(predicate, timeout=20.0, what="condition"):
    """Re-checks `predicate` until it returns a truthy value (returned) or `timeout` passes. The server
    changes state on its own thread, so tests observe it rather than assume a time."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")


def serving_version(server):
    state = models(server)
    if state["current"] is None:
        return state  # falsy-compared by callers; shown when a wait times out
    return state["current"]["version"]


def golden_row(i=0):
    with open(GOLDEN) as f:
        for n, line in enumerate(f):
            if n == i:
                return json.loads(line)


def predict(server, row):
    request = {k: v for k, v in row.items() if not k.endswith("_prob")}
    return http("POST", server.url + "/predict", request)


def metric(server, name, labels=""):
    text = http("GET", server.url + "/metrics")[1]
    for line in text.splitlines():
        if line.startswith(name + labels + " "):
            return float(line.split()[-1])
    return None
