"""`--model models:/NAME@ALIAS` against a real MLflow tracking server (SQLite backend store) with the
artifacts on the S3 test server (moto, SigV4 checked), written there by the client or through the
server's artifact proxy: the alias is followed as it moves, under load, with no failed request; a
deleted alias or a stopped registry keeps the current version serving, with the reason shown."""
import threading

import pytest

from mlflowserver import MLflowServer
from modelrepo import DEFAULT_MODEL, REFERENCE_XGB, golden_row, http, metric, models, predict, wait_until

POLL = "0.2"


class Load:
    """Keeps POSTing /predict from a few threads; counts every answer that is not a 200 and every
    model_version seen, until stopped."""

    def __init__(self, server, threads=3):
        self.server, self.failures, self.versions, self.count = server, [], set(), 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        for t in self._threads:
            t.start()

    def _run(self):
        row = golden_row(0)
        while not self._stop.is_set():
            try:
                status, body = predict(self.server, row)
            except Exception as e:  # a connection error counts as a failed request
                status, body = None, repr(e)
            with self._lock:
                self.count += 1
                if status == 200:
                    self.versions.add(body["model_version"])
                else:
                    self.failures.append((status, body))

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(timeout=30)
        return self


def serve_registry(start_server, registry, uri="models:/fraud@champion"):
    return start_server("--port", "0", "--model", uri, "--poll-interval", POLL, "--max-backoff", "0.5",
                        env=registry.env)


@pytest.fixture(params=["s3", "proxy"])
def registry(request, tmp_path, s3, s3_bucket):
    srv = MLflowServer.start(tmp_path, s3, s3_bucket, artifacts=request.param)
    yield srv
    srv.stop()


def test_the_alias_is_followed_under_load_and_a_lost_alias_or_registry_keeps_serving(start_server, registry):
    v1 = registry.register("fraud", DEFAULT_MODEL / "xgb_model.json")
    v2 = registry.register("fraud", REFERENCE_XGB)
    assert (v1, v2) == (1, 2)
    registry.client.set_registered_model_alias("fraud", "champion", "1")
    server = serve_registry(start_server, registry)
    wait_until(lambda: (models(server)["current"] or {}).get("version") == 1, what="registry version 1 serving")

    health = http("GET", server.url + "/health")[1]
    run_id = registry.client.get_model_version("fraud", "1").run_id
    assert health["model"]["registry"] == {"name": "fraud", "version": 1, "alias": "champion", "run_id": run_id}
    assert health["model"]["name"] == "fraud" and health["model"]["version"] == "1"
    assert health["model"]["format"] == "xgboost-ubj"  # what mlflow.xgboost.log_model writes
    info = [line for line in http("GET", server.url + "/metrics")[1].splitlines()
            if line.startswith("fraudscore_model_info{")]
    assert len(info) == 1 and 'registered_model="fraud"' in info[0] and 'registered_version="1"' in info[0]
    assert f'run_id="{run_id}"' in info[0]

    # Move the alias while clients keep scoring: v2 serves within a poll and nothing fails.
    load = Load(server)
    wait_until(lambda: load.count >= 20, what="load running")
    registry.client.set_registered_model_alias("fraud", "champion", "2")
    wait_until(lambda: (models(server)["current"] or {}).get("version") == 2, timeout=15, what="version 2 serving")
    wait_until(lambda: "2" in load.versions, what="a response from version 2")
    load.stop()
    assert load.failures == [], load.failures[:5]
    assert load.versions == {"1", "2"}
    row = golden_row(0)
    status, body = predict(server, row)
    assert status == 200 and body["model_version"] == "2"
    assert body["fraud_probability"] == row["xgb_prob"]  # exactly what xgboost gives for version 2

    # The alias is deleted: version 2 keeps serving and the poll's reason says what is missing.
    registry.client.delete_registered_model_alias("fraud", "champion")
    last = wait_until(lambda: models(server)["last_poll"]["error"], what="a failed poll after the alias is deleted")
    assert "no alias champion" in last
    assert models(server)["last_poll"]["reason"] == "not_found"
    assert http("GET", server.url + "/health/ready")[0] == 200
    assert predict(server, row)[1]["model_version"] == "2"
    assert metric(server, "fraudscore_model_storage_errors_total", '{reason="not_found"}') >= 1
    assert any("model storage poll failed" in line and "no alias champion" in line for line in server.logs)

    # The alias comes back on version 1: swapped back from memory, without a reload.
    registry.client.set_registered_model_alias("fraud", "champion", "1")
    wait_until(lambda: (models(server)["current"] or {}).get("version") == 1, what="version 1 serving again")
    assert models(server)["last_poll"]["error"] is None

    # The registry goes away: still serving, still ready, the reason visible.
    registry.stop()
    last = wait_until(lambda: models(server)["last_poll"]["error"], what="a failed poll with the registry down")
    assert models(server)["last_poll"]["reason"] == "unreachable", last
    assert http("GET", server.url + "/health/ready")[0] == 200
    status, body = predict(server, row)
    assert status == 200 and body["model_version"] == "1"
    assert metric(server, "fraudscore_model_storage_errors_total", '{reason="unreachable"}') >= 1


def test_a_fixed_registry_version_serves_and_a_missing_one_is_named(start_server, registry):
    registry.register("fraud", REFERENCE_XGB)
    server = serve_registry(start_server, registry, "models:/fraud/1")
    wait_until(lambda: (models(server)["current"] or {}).get("version") == 1, what="version 1 serving")
    row = golden_row(3)
    status, body = predict(server, row)
    assert status == 200 and body["fraud_probability"] == row["xgb_prob"]
    assert http("GET", server.url + "/health")[1]["model"]["registry"].get("alias") is None

    missing = serve_registry(start_server, registry, "models:/fraud/7")
    reason = wait_until(lambda: models(missing)["last_poll"]["error"], what="a failed first poll")
    assert "no version 7" in reason
    status, ready = http("GET", missing.url + "/health/ready")
    assert status == 503 and "no version 7" in ready["reason"]


def test_models_uris_without_a_tracking_server_or_with_a_bad_form_say_what_to_set(start_server, tmp_path):
    import subprocess
    from conftest import REPO, binary
    env = {"PATH": "/usr/bin:/bin"}
    done = subprocess.run([binary(), "serve", "--port", "0", "--model", "models:/fraud@champion"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "MLFLOW_TRACKING_URI" in done.stdout + done.stderr
    for bad in ["models:/fraud", "models:/@champion", "models:/fraud/zero"]:
        done = subprocess.run([binary(), "serve", "--port", "0", "--model", bad], cwd=REPO,
                              env={**env, "MLFLOW_TRACKING_URI": "http://127.0.0.1:9"}, capture_output=True, text=True,
                              timeout=30)
        assert done.returncode == 2, bad
        assert "models:/fraud@champion" in done.stdout + done.stderr, bad
