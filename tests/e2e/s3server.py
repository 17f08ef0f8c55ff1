"""A real S3-compatible HTTP server (moto_server) with SigV4 signature checking and IAM enforcement.

moto_server only authenticates once INITIAL_NO_AUTH_ACTION_COUNT requests have been served
unauthenticated (only requests that reach a service action count: /moto-api/* does not). We use
exactly those N requests for the setup (IAM users, access keys, policy, bucket) and then probe that
auth is really on: from then on every S3 request must carry a valid SigV4 signature from a known
access key, and is checked against the user's IAM policies.

    srv = start_s3_server(tmp_path)
    srv.put("models/a.bin", b"...")
    srv.client().get_object(Bucket=srv.bucket, Key="models/a.bin")
    srv.client(secret_key="wrong")          # -> 403 SignatureDoesNotMatch
    srv.client(*srv.denied_credentials)     # -> 403 AccessDenied (valid signature, no policy)
    proxy = srv.proxy()                     # TCPProxy in front: pause()/resume() = storage down/up
    srv.stop()

Nothing here needs the fraudscore binary.
"""
import atexit
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import boto3
from botocore.config import Config

from tcpproxy import TCPProxy

REGION = "us-east-1"
ALLOW_S3_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
})
ALLOW_ASSUME_ROLE_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
})
TRUST_ANYONE_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
})
STARTUP_TIMEOUT_SECONDS = 30.0


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _moto_server_cmd(aws_canonical):
    if aws_canonical:
        return [sys.executable, str(Path(__file__).with_name("moto_server_aws.py"))]
    exe = Path(sys.executable).with_name("moto_server")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-m", "moto.server"]


def _boto_config():
    # One attempt per call: the unauthenticated-request budget is counted exactly, so a silent
    # retry would shift it. Path-style: the bucket goes in the path, like our Swift client.
    return Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1, "mode": "standard"},
                  connect_timeout=5, read_timeout=30)


class S3Server:
    def __init__(self, proc, port, log_path, aws_canonical):
        self.proc = proc
        self.aws_canonical = aws_canonical  # SigV4 checked over the AWS-canonical target (see moto_server_aws.py)
        self.port = port
        self.log_path = log_path
        self.endpoint = f"http://127.0.0.1:{port}"
        self.region = REGION
        self.bucket = None
        self.access_key = None
        self.secret_key = None
        self.denied_access_key = None
        self.denied_secret_key = None
        self.role_arn = None
        self._proxies = []

    # -- clients ------------------------------------------------------------------------------

    def client(self, access_key=None, secret_key=None, endpoint=None):
        """A boto3 S3 client (path-style, SigV4) using the given or the authorized credentials."""
        return boto3.client(
            "s3", endpoint_url=endpoint or self.endpoint, region_name=self.region,
            aws_access_key_id=access_key or self.access_key,
            aws_secret_access_key=secret_key or self.secret_key,
            config=_boto_config())

    def assume_role(self, session_name="fraudscore-test"):
        """Temporary credentials of `role_arn` from moto's STS, through a signed AssumeRole:
        {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}."""
        sts = boto3.client("sts", endpoint_url=self.endpoint, region_name=self.region,
                           aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
                           config=_boto_config())
        return sts.assume_role(RoleArn=self.role_arn, RoleSessionName=session_name, DurationSeconds=900)["Credentials"]

    @property
    def credentials(self):
        return self.access_key, self.secret_key

    @property
    def denied_credentials(self):
        return self.denied_access_key, self.denied_secret_key

    # -- object helpers (authorized user) -------------------------------------------------------

    def put(self, key, data, bucket=None):
        """Upload bytes; returns the ETag as S3 sends it (a quoted hex MD5)."""
        return self.client().put_object(Bucket=bucket or self.bucket, Key=key, Body=data)["ETag"]

    def get(self, key, bucket=None):
        return self.client().get_object(Bucket=bucket or self.bucket, Key=key)["Body"].read()

    def delete(self, key, bucket=None):
        self.client().delete_object(Bucket=bucket or self.bucket, Key=key)

    def list(self, prefix="", bucket=None):
        """All keys under prefix (follows pagination), sorted.

        Against stock moto (aws_canonical=False) the prefix is applied client-side: botocore signs
        `prefix=a%2F` but stock moto checks the signature over `prefix=a/` -> SignatureDoesNotMatch.
        """
        kwargs = {"Bucket": bucket or self.bucket}
        if self.aws_canonical:
            kwargs["Prefix"] = prefix
        keys = []
        for page in self.client().get_paginator("list_objects_v2").paginate(**kwargs):
            keys.extend(o["Key"] for o in page.get("Contents", []) if o["Key"].startswith(prefix))
        return sorted(keys)

    def fresh_bucket(self, prefix="test"):
        """Create a new, empty bucket (with the authorized user) and return its name."""
        name = f"{prefix}-{uuid.uuid4().hex[:12]}".lower()
        self.client().create_bucket(Bucket=name)
        return name

    # -- availability -------------------------------------------------------------------------

    def proxy(self):
        """A TCPProxy in front of this server; point clients at proxy.endpoint / proxy.port and use
        proxy.pause() / proxy.resume() for "storage down" / "storage back" (state is kept)."""
        p = TCPProxy("127.0.0.1", self.port)
        self._proxies.append(p)
        return p

    def logs(self):
        try:
            return Path(self.log_path).read_text(errors="replace")
        except OSError:
            return ""

    def stop(self):
        for p in self._proxies:
            p.close()
        self._proxies.clear()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _wait_until_up(proc, port, log_path, timeout=STARTUP_TIMEOUT_SECONDS):
    """Poll (bounded) until moto answers HTTP. /moto-api/config does not count as an action."""
    url = f"http://127.0.0.1:{port}/moto-api/config"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # ignore *_proxy env
    deadline = time.monotonic() + timeout
    delay = 0.02
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with opener.open(url, timeout=2) as r:
                r.read()
                return True
        except (urllib.error.URLError, ConnectionError, socket.timeout, OSError):
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
    raise RuntimeError(f"moto_server on port {port} not up after {timeout}s:\n"
                       + Path(log_path).read_text(errors="replace")[-4000:])


def _setup_steps(srv, bucket):
    """The unauthenticated setup: each step makes exactly ONE request that moto counts."""
    def iam():
        return boto3.client("iam", endpoint_url=srv.endpoint, region_name=REGION,
                            aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap",
                            config=_boto_config())

    def s3():
        return srv.client("bootstrap", "bootstrap")

    def create_user(name):
        iam().create_user(UserName=name)

    def create_key(name, attr_prefix):
        key = iam().create_access_key(UserName=name)["AccessKey"]
        setattr(srv, attr_prefix + "access_key", key["AccessKeyId"])
        setattr(srv, attr_prefix + "secret_key", key["SecretAccessKey"])

    return [
        lambda: create_user("fraudscore"),
        lambda: create_key("fraudscore", ""),
        lambda: iam().put_user_policy(UserName="fraudscore", PolicyName="s3-all",
                                      PolicyDocument=ALLOW_S3_POLICY),
        lambda: create_user("fraudscore-denied"),   # no policy at all: implicit deny
        lambda: create_key("fraudscore-denied", "denied_"),
        lambda: s3().create_bucket(Bucket=bucket),
        # A role the authorized user may assume: STS hands out temporary credentials of it, which
        # S3 accepts only with their session token (web identity and container credential tests).
        lambda: iam().put_user_policy(UserName="fraudscore", PolicyName="assume-roles",
                                      PolicyDocument=ALLOW_ASSUME_ROLE_POLICY),
        lambda: setattr(srv, "role_arn", iam().create_role(
            RoleName="fraudscore-model-reader", AssumeRolePolicyDocument=TRUST_ANYONE_POLICY)["Role"]["Arn"]),
        lambda: iam().put_role_policy(RoleName="fraudscore-model-reader", PolicyName="s3-all",
                                      PolicyDocument=ALLOW_S3_POLICY),
    ]


# INITIAL_NO_AUTH_ACTION_COUNT: one unauthenticated request per setup step, no more, no less.
SETUP_REQUEST_COUNT = len(_setup_steps(None, None))


def start_s3_server(tmp_path=None, bucket="models", aws_canonical=True, attempts=3):
    """Start moto_server on a free loopback port with SigV4+IAM enforcement, set it up, return it.

    tmp_path: directory for the server log (moto_server.log); None: a fresh temp directory.
    aws_canonical: True (default) runs moto_server_aws.py, i.e. moto_server with the signature
    checked over the request target canonicalized as AWS does (so a client that signs correctly
    for AWS passes, e.g. `prefix=models%2F`); False runs stock `moto_server`, whose check is over
    werkzeug's re-decoded URL (see moto_server_aws.py for what that breaks).
    """
    if tmp_path is None:
        import tempfile
        tmp_path = tempfile.mkdtemp(prefix="s3server-")
    log_path = Path(tmp_path) / "moto_server.log"
    last_error = None
    for _ in range(attempts):  # retry only for the (rare) free-port race
        port = _free_port()
        env = dict(os.environ)
        env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(SETUP_REQUEST_COUNT)
        # Never let ambient AWS settings leak into moto (or into our boto3 clients' behaviour).
        for k in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            env.pop(k, None)
        log = open(log_path, "ab")
        proc = subprocess.Popen([*_moto_server_cmd(aws_canonical), "-H", "127.0.0.1", "-p", str(port)],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        log.close()
        srv = S3Server(proc, port, log_path, aws_canonical)
        atexit.register(srv.stop)  # no orphan moto_server if the test run dies before teardown
        try:
            if not _wait_until_up(proc, port, log_path):
                last_error = RuntimeError("moto_server exited early:\n" + srv.logs()[-4000:])
                continue
            for i, step in enumerate(_setup_steps(srv, bucket)):
                try:
                    step()
                except Exception as e:
                    raise RuntimeError(
                        f"S3 setup request {i + 1}/{SETUP_REQUEST_COUNT} failed (a 403 here means moto "
                        f"turned auth on before the setup was done):\n{e}") from e
            srv.bucket = bucket
            _check_auth_enforced(srv)
            return srv
        except BaseException:
            srv.stop()
            raise
    raise last_error


def _check_auth_enforced(srv):
    """Fail loudly if moto did not switch auth on right after the setup requests."""
    from botocore.exceptions import ClientError
    try:
        srv.client("AKIANOSUCHKEY0000000", "x").head_bucket(Bucket=srv.bucket)
    except ClientError as e:
        if e.response["ResponseMetadata"]["HTTPStatusCode"] == 403:
            return
        raise
    raise RuntimeError("moto_server accepted an unknown access key after setup: "
                       "INITIAL_NO_AUTH_ACTION_COUNT does not match the setup request count")
