"""A real MLflow tracking server (the `mlflow` package's `mlflow server`) on a SQLite backend store,
with model artifacts on the test S3 server (moto, SigV4 checked): either written there by the
client (`artifacts="s3"`: `--default-artifact-root s3://…`, the server never touches them) or
through the server's artifact proxy (`artifacts="proxy"`: `--artifacts-destination s3://…`,
clients see `mlflow-artifacts:/` URIs).

    srv = MLflowServer.start(tmp_path, s3, bucket, artifacts="s3")
    v = srv.register("fraud", model_file)           # mlflow.xgboost.log_model(…, registered_model_name=)
    srv.client.set_registered_model_alias("fraud", "champion", v)
    srv.env                                          # what fraudscore (or an MLflow client) needs
    srv.stop()
"""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

STARTUP_TIMEOUT_SECONDS = 90.0


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MLflowServer:
    def __init__(self, proc, port, log_path, env):
        self.proc, self.port, self.log_path, self.env = proc, port, log_path, env
        self._client = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, tmp_path, s3, bucket, artifacts="s3"):
        port = _free_port()
        log_path = tmp_path / f"mlflow-{port}.log"
        key, secret = s3.credentials
        # The environment an MLflow user sets: the tracking server, and S3 reached through MinIO-style
        # MLFLOW_S3_ENDPOINT_URL with the usual AWS_* credentials.
        env = {"MLFLOW_TRACKING_URI": f"http://127.0.0.1:{port}", "MLFLOW_S3_ENDPOINT_URL": s3.endpoint,
               "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "AWS_DEFAULT_REGION": s3.region,
               "AWS_REGION": s3.region}
        if artifacts == "s3":
            where = ["--default-artifact-root", f"s3://{bucket}/mlflow", "--no-serve-artifacts"]
        elif artifacts == "proxy":
            where = ["--artifacts-destination", f"s3://{bucket}/proxied", "--serve-artifacts"]
        else:
            raise ValueError(artifacts)
        mlflow = Path(sys.executable).with_name("mlflow")
        cmd = [str(mlflow), "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
               "--backend-store-uri", f"sqlite:///{tmp_path / f'mlflow-{port}.db'}", *where]
        log = open(log_path, "w")
        # Its own process group: `mlflow server` runs the web server as a child, and stop() ends both.
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env},
                                cwd=tmp_path, start_new_session=True)
        srv = cls(proc, port, log_path, env)
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"mlflow server exited {proc.returncode}:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(srv.url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return srv
            except OSError:
                time.sleep(0.2)
        srv.stop()
        raise RuntimeError(f"mlflow server did not answer /health in {STARTUP_TIMEOUT_SECONDS}s:\n{log_path.read_text()}")

    @property
    def client(self):
        """An MlflowClient for this server (the S3 settings come from the process environment,
        which `register` sets for its calls)."""
        from mlflow import MlflowClient
        if self._client is None:
            self._client = MlflowClient(tracking_uri=self.url)
        return self._client

    def register(self, name, model_file):
        """Logs an XGBoost model file as a run's model and registers it under `name`, as a training
        pipeline does; returns the new version number."""
        import mlflow
        import xgboost as xgb
        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        try:
            mlflow.set_tracking_uri(self.url)
            booster = xgb.Booster()
            booster.load_model(str(model_file))
            with mlflow.start_run():
                info = mlflow.xgboost.log_model(booster, name="model", registered_model_name=name,
                                                pip_requirements=["xgboost"])
            return int(info.registered_model_version)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def logs(self):
        return self.log_path.read_text()

    def stop(self):
        """Ends the server and its workers; from here on nothing listens on its port."""
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        # The group may outlive its leader for a moment: wait until the port is free.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.1)
        os.killpg(self.proc.pid, signal.SIGKILL)
