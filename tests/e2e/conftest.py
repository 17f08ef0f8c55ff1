"""Fixtures for end-to-end tests: the built fraudscore binary, started on a free loopback port.

The server is considered up when it logs its "listening" line (JSON lines on stdout; stderr, where
command-line errors go, is merged in), which carries the port it bound: no sleeps, no polling.
"""
import json
import os
import signal
import subprocess
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"  # made by scripts/make_fixtures.py


def binary() -> str:
    path = os.environ.get("FRAUDSCORE_BIN")
    if not path:
        raise RuntimeError("set FRAUDSCORE_BIN to the fraudscore executable (scripts/test.sh does)")
    return path


class Server:
    def __init__(self, args, env=None):
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen([binary(), "serve", "--host", "127.0.0.1", *args], cwd=REPO,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=full_env, text=True)
        self.logs = []
        self.port = None
        for line in self.proc.stdout:
            self.logs.append(line)
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("msg") == "listening":
                self.port = int(entry["address"].rsplit(":", 1)[1])
                break
        if self.port is None:
            raise RuntimeError("server did not start:\n" + "".join(self.logs))
        # Keep draining the output so the server never blocks on a full pipe.
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self):
        for line in self.proc.stdout:
            self.logs.append(line)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout)  # every line the server wrote is in self.logs from here on
        return code

    def entries(self, **match):
        """The JSON log entries whose fields equal `match` (e.g. logger="fraudscore.access")."""
        out = []
        for line in list(self.logs):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if all(entry.get(k) == v for k, v in match.items()):
                out.append(entry)
        return out


@pytest.fixture
def start_server():
    started = []

    def start(*args, env=None):
        s = Server(list(args), env=env)
        started.append(s)
        return s

    yield start
    for s in started:
        if s.proc.poll() is None:
            s.proc.kill()
            s.proc.wait()


# --- S3: a real S3-compatible server (moto_server) with SigV4 + IAM checks; no fraudscore binary needed.

@pytest.fixture(scope="session")
def s3(tmp_path_factory):
    """Session-wide S3Server (see s3server.py): bucket `s3.bucket`, authorized `s3.credentials`,
    IAM user without S3 rights `s3.denied_credentials`. Tests that need isolation use
    `s3.fresh_bucket()` (or the `s3_bucket` fixture) rather than sharing `s3.bucket`."""
    from s3server import start_s3_server

    server = start_s3_server(tmp_path_factory.mktemp("s3"))
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(s3):
    """A new, empty bucket for this test only."""
    return s3.fresh_bucket()


@pytest.fixture
def s3_proxy(s3):
    """A TCPProxy in front of the session S3 server: point clients at s3_proxy.endpoint and use
    pause()/resume() for "storage down"/"storage back" without losing moto's in-memory state."""
    proxy = s3.proxy()
    yield proxy
    proxy.close()


# --- Redis: a real redis-server for the Redis feature store.

@pytest.fixture
def redis(tmp_path):
    from redisserver import RedisServer
    server = RedisServer(tmp_path / "redis")
    yield server
    server.stop()
