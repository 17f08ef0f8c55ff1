"""A broken model version never serves: each fault leaves version 1 serving, with the reason in
/health, /metrics and the logs. Against a real S3 server (moto, SigV4 checked)."""
import json

import pytest

from modelrepo import (DEFAULT_MODEL, TOKEN, default_files, golden_row, http, manifest_for, metric, models, predict,
                       publish, put_version, s3_env, serving_version, wait_until)


@pytest.fixture
def serving_v1(start_server, s3, s3_bucket):
    """Version 1 (the default model) published and serving from s3://bucket/fraud/."""
    publish(s3, s3_bucket, "fraud/", DEFAULT_MODEL)
    server = start_server("--port", "0", "--model", f"s3://{s3_bucket}/fraud/", "--s3-endpoint", s3.endpoint,
                          "--poll-interval", "0.2", "--admin-token", TOKEN, env=s3_env(s3))
    wait_until(lambda: serving_version(server) == 1, what="version 1 serving")
    return server


def rejected(server, version, reason):
    """Waits for `version` to be rejected; checks v1 still serves and the reason is everywhere."""
    candidate = wait_until(lambda: (c := models(server)["candidate"]) and c["version"] == version
                           and c["state"] == "rejected" and c, what=f"version {version} rejected")
    assert candidate["reason"] == reason, candidate
    assert serving_version(server) == 1
    status, body = predict(server, golden_row(3))
    assert status == 200 and body["model_version"] == "xgb-default-1.0.0"
    health = http("GET", server.url + "/health")
    assert health[0] == 200 and health[1]["models"]["candidate"]["error"] == candidate["error"]
    assert metric(server, "fraudscore_model_rejections_total", f'{{reason="{reason}"}}') == 1
    logged = [json.loads(line) for line in server.logs if "model version rejected" in line]
    assert logged and logged[-1]["reason"] == reason and logged[-1]["version"] == str(version)
    return candidate["error"]


def test_a_version_without_manifest_is_ignored(serving_v1, s3, s3_bucket):
    put_version(s3, s3_bucket, "fraud/", 2, default_files(), manifest=None)
    wait_until(lambda: models(serving_v1)["incomplete_versions"] == [2], what="version 2 seen as incomplete")
    state = models(serving_v1)
    assert state["available_versions"] == [1] and state["candidate"] is None and serving_version(serving_v1) == 1


def test_sha256_mismatch(serving_v1, s3, s3_bucket):
    files = default_files()
    manifest = manifest_for(files, "xgb_model.json", validation="validation.jsonl")
    # Same size, one digit changed: only the digest can tell.
    model = files["xgb_model.json"]
    i = model.index(b"1", 1000)
    files["xgb_model.json"] = model[:i] + b"2" + model[i + 1:]
    put_version(s3, s3_bucket, "fraud/", 2, files, manifest)
    error = rejected(serving_v1, 2, "integrity")
    assert "sha256" in error and "xgb_model.json" in error


def test_truncated_download(serving_v1, s3, s3_bucket):
    files = default_files()
    manifest = manifest_for(files, "xgb_model.json")
    files["xgb_model.json"] = files["xgb_model.json"][: len(files["xgb_model.json"]) // 2]
    put_version(s3, s3_bucket, "fraud/", 2, files, manifest)
    error = rejected(serving_v1, 2, "integrity")
    assert "truncated" in error


def test_corrupt_model_file(serving_v1, s3, s3_bucket):
    files = {"xgb_model.json": b'{"learner": {"gradient_booster": 7}}'}
    put_version(s3, s3_bucket, "fraud/", 2, files, manifest_for(files, "xgb_model.json"))
    error = rejected(serving_v1, 2, "load")
    assert "xgb_model.json" in error


def test_model_whose_features_requests_cannot_supply(serving_v1, s3, s3_bucket):
    model = json.loads((DEFAULT_MODEL / "xgb_model.json").read_bytes())
    names = model["learner"]["feature_names"]
    names[names.index("tx_amount")] = "device_risk_score"
    files = {"xgb_model.json": json.dumps(model).encode()}
    put_version(s3, s3_bucket, "fraud/", 2, files, manifest_for(files, "xgb_model.json", model_version="needs-device"))
    error = rejected(serving_v1, 2, "schema")
    assert "device_risk_score" in error and "--request-fields" in error


def test_model_failing_its_validation_rows(serving_v1, s3, s3_bucket):
    files = default_files()
    rows = [json.loads(line) for line in files["validation.jsonl"].decode().splitlines()]
    rows[7]["expected_prob"] += 0.01
    files["validation.jsonl"] = "".join(json.dumps(r) + "\n" for r in rows).encode()
    put_version(s3, s3_bucket, "fraud/", 2, files, manifest_for(files, "xgb_model.json", validation="validation.jsonl"))
    error = rejected(serving_v1, 2, "validation")
    assert "line 8" in error


def test_rejected_version_is_retried_only_when_its_files_change(serving_v1, s3, s3_bucket):
    good = default_files()
    files = {"xgb_model.json": b"not a model"}
    put_version(s3, s3_bucket, "fraud/", 2, files, manifest_for(files, "xgb_model.json"))
    rejected(serving_v1, 2, "load")
    polls = metric(serving_v1, "fraudscore_model_polls_total", '{result="ok"}')
    wait_until(lambda: metric(serving_v1, "fraudscore_model_polls_total", '{result="ok"}') >= polls + 3, what="3 more polls")
    assert metric(serving_v1, "fraudscore_model_rejections_total", '{reason="load"}') == 1  # not re-tried
    put_version(s3, s3_bucket, "fraud/", 2, good, manifest_for(good, "xgb_model.json", model_version="fixed-2"))
    wait_until(lambda: serving_version(serving_v1) == 2, what="the fixed version 2 serving")
    assert predict(serving_v1, golden_row(0))[1]["model_version"] == "fixed-2"


def test_publish_refuses_a_model_the_server_would_refuse(s3, s3_bucket, tmp_path):
    rows = [json.loads(line) for line in (DEFAULT_MODEL / "validation.jsonl").read_text().splitlines()]
    rows[0]["expected_prob"] = 0.999
    bad = tmp_path / "validation.jsonl"
    bad.write_text("".join(json.dumps(r) + "\n" for r in rows))
    done = publish(s3, s3_bucket, "fraud/", DEFAULT_MODEL / "xgb_model.json", "--validation", str(bad), check=False)
    assert done.returncode != 0
    assert "not published" in done.stderr and "validation" in done.stderr
    assert s3.list("fraud/", bucket=s3_bucket) == []
