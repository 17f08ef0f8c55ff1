"""Model versions from a real S3 server (moto with SigV4 checks): publish, poll, swap, pin, roll back."""
import re

import pytest

from modelrepo import (DEFAULT_MODEL, REFERENCE_XGB, TOKEN, golden_row, http, metric, models, predict, publish,
                       s3_env, serving_version, wait_until)

POLL = "0.2"


def without_numbers(text):
    return re.sub(r"\d+", "N", text)


def serve_s3(start_server, s3, bucket, prefix="fraud/", *args, endpoint=None, credentials=None, env=None):
    return start_server("--port", "0", "--model", f"s3://{bucket}/{prefix}", "--s3-endpoint", endpoint or s3.endpoint,
                        "--poll-interval", POLL, "--max-backoff", "1", "--admin-token", TOKEN, *args,
                        env={**s3_env(s3, credentials), **(env or {})})


def test_publish_v2_goes_live_within_a_poll_and_predictions_change(start_server, s3, s3_bucket):
    publish(s3, s3_bucket, "fraud/", DEFAULT_MODEL)
    server = serve_s3(start_server, s3, s3_bucket)
    wait_until(lambda: serving_version(server) == 1, what="version 1 serving")
    row = golden_row(0)
    status, v1 = predict(server, row)
    assert status == 200 and v1["model_version"] == "xgb-default-1.0.0"

    out = publish(s3, s3_bucket, "fraud/", REFERENCE_XGB, "--model-version", "ref-xgb-2")
    assert f"s3://{s3_bucket}/fraud/2/" in out.stdout
    import time
    published = time.monotonic()
    wait_until(lambda: serving_version(server) == 2, timeout=10, what="version 2 serving")
    elapsed = time.monotonic() - published
    print(f"version 2 serving {elapsed:.3f} s after publish returned (poll interval {POLL} s)")
    # One poll interval plus load time: generous for a loaded CI machine, far below "a redeploy".
    assert elapsed < 0.2 + 3.0, elapsed
    status, v2 = predict(server, row)
    assert status == 200 and v2["model_version"] == "ref-xgb-2"
    assert v2["fraud_probability"] == row["xgb_prob"]  # exactly what xgboost gives for the v2 model
    assert v2["fraud_probability"] != v1["fraud_probability"]
    health = http("GET", server.url + "/health")[1]
    assert health["model"]["version"] == "ref-xgb-2"
    assert health["models"]["current"]["version"] == 2 and health["models"]["previous"]["version"] == 1
    assert metric(server, "fraudscore_model_serving_version") == 2
    # The whole exposition parses as Prometheus text, and the swap moved its counters.
    from prometheus_client.parser import text_string_to_metric_families
    samples = {}
    for family in text_string_to_metric_families(http("GET", server.url + "/metrics")[1]):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    assert samples[("fraudscore_model_swaps_total", ())] == 2
    assert samples[("fraudscore_model_serving_version", ())] == 2
    assert samples[("fraudscore_model_available_version", ())] == 2
    assert samples[("fraudscore_model_last_swap_timestamp_seconds", ())] > 1.7e9


def test_wrong_credentials_are_refused_by_storage_and_the_reason_is_shown(start_server, s3, s3_bucket):
    publish(s3, s3_bucket, "fraud/", DEFAULT_MODEL)
    server = serve_s3(start_server, s3, s3_bucket, credentials=(s3.access_key, "not-the-secret"))
    wait_until(lambda: models(server)["last_poll"]["error"], what="a failed poll")
    status, ready = http("GET", server.url + "/health/ready")
    reason = ready["reason"]
    assert status == 503
    assert "403" in reason and "SignatureDoesNotMatch" in reason
    assert metric(server, "fraudscore_model_storage_errors_total", '{reason="denied"}') >= 1
    assert any("model storage poll failed" in line and "denied" in line for line in server.logs)


def test_403_while_serving_keeps_serving_and_credentials_files_are_reread(start_server, s3, s3_bucket, tmp_path):
    publish(s3, s3_bucket, "fraud/", DEFAULT_MODEL)
    key_file, secret_file = tmp_path / "key", tmp_path / "secret"
    key_file.write_text(s3.access_key + "\n")
    secret_file.write_text(s3.secret_key + "\n")
    files_env = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
                 "AWS_ACCESS_KEY_ID_FILE": str(key_file), "AWS_SECRET_ACCESS_KEY_FILE": str(secret_file)}
    server = serve_s3(start_server, s3, s3_bucket, env=files_env)
    wait_until(lambda: serving_version(server) == 1, what=f"version 1 serving ({server.url})")
    # The Secret is rotated to a key without S3 rights: storage now answers 403 AccessDenied.
    key_file.write_text(s3.denied_access_key)
    secret_file.write_text(s3.denied_secret_key)
    poll = wait_until(lambda: (m := models(server)["last_poll"])["reason"] == "denied" and m, what="a denied poll")
    assert "AccessDenied" in poll["error"]
    assert http("GET", server.url + "/health")[1]["models"]["last_poll"]["reason"] == "denied"
    assert metric(server, "fraudscore_model_storage_errors_total", '{reason="denied"}') >= 1
    assert any("model storage poll failed" in line and "AccessDenied" in line for line in server.logs)
    status, body = predict(server, golden_row(1))
    assert status == 200 and body["model_version"] == "xgb-default-1.0.0"
    assert http("GET", server.url + "/health/ready")[0] == 200
    # Rotated back: polls succeed again without a restart.
    key_file.write_text(s3.access_key)
    secret_file.write_text(s3.secret_key)
    wait_until(lambda: models(server)["last_poll"]["ok"], timeout=10, what="polls succeeding again")


def test_storage_unreachable_at_start_then_ready_when_it_returns(start_server, s3, s3_bucket, s3_proxy):
    publish(s3, s3_bucket, "fraud/", DEFAULT_MODEL)
    s3_proxy.pause()
    server = serve_s3(start_server, s3, s3_bucket, endpoint=s3_proxy.endpoint)
    reason = wait_until(lambda: models(server)["last_poll"]["error"], what="a failed poll")
    status, ready = http("GET", server.url + "/health/ready")
    # A later poll may have replaced the error between the two requests: curl's message carries
    # its elapsed time ("... after 0 ms: ..."), so compare without the numbers.
    assert status == 503 and "unreachable" in ready["reason"]
    assert without_numbers(reason) in without_numbers(ready["reason"])
    assert predict(server, golden_row(0))[0] == 503
    assert metric(server, "fraudscore_model_storage_errors_total", '{reason="unreachable"}') >= 1
    assert any("model storage poll failed" in line and "unreachable" in line for line in server.logs)
    s3_proxy.resume()
    wait_until(lambda: http("GET", server.url + "/health/ready")[0] == 200, timeout=10, what="ready")
    assert predict(server, golden_row(0))[1]["model_version"] == "xgb-default-1.0.0"


def test_storage_down_while_serving_keeps_serving(start_server, s3, s3_bucket, s3_proxy):
    publish(s3, s3_bucket, "fraud/", DEFAULT_MODEL)
    server = serve_s3(start_server, s3, s3_bucket, endpoint=s3_proxy.endpoint)
    wait_until(lambda: serving_version(server) == 1, what="version 1 serving")
    s3_proxy.pause()
    wait_until(lambda: models(server)["last_poll"]["consecutive_errors"] >= 2, what="two failed polls")
    for i in range(20):
        status, body = predict(server, golden_row(i))
        assert status == 200 and body["model_version"] == "xgb-default-1.0.0"
    assert http("GET", server.url + "/health/ready")[0] == 200
    assert metric(server, "fraudscore_model_storage_consecutive_errors") >= 2
    assert http("GET", server.url + "/health")[1]["models"]["last_poll"]["reason"] == "unreachable"
    assert any("model storage poll failed" in line and "unreachable" in line for line in server.logs)
    s3_proxy.resume()
    wait_until(lambda: models(server)["last_poll"]["ok"], timeout=10, what="polls succeeding again")


def test_pin_and_rollback_need_the_token_and_work(start_server, s3, s3_bucket):
    publish(s3, s3_bucket, "fraud/", DEFAULT_MODEL)
    publish(s3, s3_bucket, "fraud/", REFERENCE_XGB, "--model-version", "ref-xgb-2")
    server = serve_s3(start_server, s3, s3_bucket)
    wait_until(lambda: serving_version(server) == 2, what="version 2 serving")
    auth = {"Authorization": "Bearer " + TOKEN}
    for path, body in [("/admin/pin", {"version": 1}), ("/admin/rollback", None), ("/admin/unpin", None),
                       ("/admin/reload", None)]:
        for headers in [{}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": TOKEN}]:
            status, reply = http("POST", server.url + path, body, headers)
            assert status == 401, (path, headers, status)
            assert reply["detail"].startswith("Send the admin token")
    assert serving_version(server) == 2

    status, reply = http("POST", server.url + "/admin/pin", {"version": 1}, auth)
    assert status in (200, 202)
    wait_until(lambda: serving_version(server) == 1, what="pinned version 1 serving")
    assert predict(server, golden_row(0))[1]["model_version"] == "xgb-default-1.0.0"
    assert models(server)["pinned"] == 1

    status, reply = http("POST", server.url + "/admin/rollback", None, auth)
    assert status == 200, reply
    assert reply["models"]["current"]["version"] == 2 and reply["models"]["pinned"] == 2
    assert predict(server, golden_row(0))[1]["model_version"] == "ref-xgb-2"  # instant: no poll needed

    status, reply = http("POST", server.url + "/admin/pin", {"version": 9}, auth)
    assert status == 409 and "version 9 is not in the repository" in reply["detail"]
    status, reply = http("POST", server.url + "/admin/unpin", None, auth)
    assert status == 202 and reply["models"]["pinned"] is None
    assert metric(server, "fraudscore_model_rollbacks_total") == 1


def test_admin_endpoints_do_not_exist_without_a_token(start_server):
    server = start_server("--port", "0")
    assert http("POST", server.url + "/admin/rollback", None, {"Authorization": "Bearer " + TOKEN})[0] == 404
    assert models(server)["current"]["model_version"] == "xgb-default-1.0.0"


def test_listings_longer_than_one_page_are_followed(start_server, s3, s3_bucket):
    """1,200 objects of an abandoned upload sort before version 1: only the second ListObjectsV2
    page (continuation token) shows version 1's manifest."""
    client = s3.client()
    for i in range(1200):
        client.put_object(Bucket=s3_bucket, Key=f"fraud/0/part-{i:05d}", Body=b"x")
    publish(s3, s3_bucket, "fraud/", DEFAULT_MODEL)
    server = serve_s3(start_server, s3, s3_bucket)
    wait_until(lambda: serving_version(server) == 1, what="version 1 serving")
    state = models(server)
    assert state["available_versions"] == [1] and state["incomplete_versions"] == [0]
