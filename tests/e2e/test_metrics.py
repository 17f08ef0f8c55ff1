"""/metrics parses as Prometheus text and its counters move with the traffic the test sends."""
import json
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from conftest import REPO

SAMPLE = (REPO / "examples/sample_request.json").read_bytes()


def scrape(url):
    with urllib.request.urlopen(url + "/metrics", timeout=5) as r:
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = r.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples, metric, **labels):
    return samples.get((metric, tuple(sorted(labels.items()))), 0.0)


def post(url, body, content_type="application/json"):
    req = urllib.request.Request(url + "/predict", data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_counters_follow_requests_errors_and_scoring(start_server):
    server = start_server("--port", "0")
    before = scrape(server.url)
    assert value(before, "fraudscore_model_info", name="fraud-default", version="xgb-default-1.0.0",
                 format="xgboost-json", sha256=json.loads((REPO / "models/default/model_meta.json").read_text())["sha256"]) == 1
    assert value(before, "fraudscore_model_loads_total", result="success") == 1
    for _ in range(5):
        assert post(server.url, SAMPLE) == 200
    assert post(server.url, b'{"transaction_id": 1}') == 422
    assert post(server.url, b"{}", content_type="text/plain") == 415
    urllib.request.urlopen(server.url + "/health", timeout=5).read()
    after = scrape(server.url)

    def delta(metric, **labels):
        return value(after, metric, **labels) - value(before, metric, **labels)

    assert delta("fraudscore_requests_total", route="/predict", method="POST", status="200") == 5
    assert delta("fraudscore_requests_total", route="/predict", method="POST", status="422") == 1
    assert delta("fraudscore_requests_total", route="/predict", method="POST", status="415") == 1
    assert delta("fraudscore_requests_total", route="/health", method="GET", status="200") == 1
    assert delta("fraudscore_request_duration_seconds_count", route="/predict", method="POST") == 7
    assert delta("fraudscore_request_duration_seconds_bucket", route="/predict", method="POST", le="+Inf") == 7
    assert delta("fraudscore_predictions_total", decision="legitimate") == 5
    assert delta("fraudscore_predict_rejected_total", status="422") == 1
    assert delta("fraudscore_predict_rejected_total", status="415") == 1
    assert delta("fraudscore_scoring_duration_seconds_count") == 5
    assert value(after, "fraudscore_scoring_duration_seconds_sum") > 0
    assert value(after, "process_resident_memory_bytes") > 1_000_000
    assert value(after, "process_open_fds") > 0
    assert value(after, "fraudscore_connections_open", protocol="http1") >= 1
    assert server.stop() == 0


def test_unknown_paths_and_methods_do_not_create_label_values(start_server):
    server = start_server("--port", "0")
    for path in ["/a", "/b", "/c"]:
        try:
            urllib.request.urlopen(server.url + path, timeout=5)
        except urllib.error.HTTPError as e:
            assert e.code == 404
    samples = scrape(server.url)
    routes = {dict(labels).get("route") for (name, labels) in samples if name == "fraudscore_requests_total"}
    assert routes <= {"unmatched", "/metrics", "/predict", "/health"}
    assert value(samples, "fraudscore_requests_total", route="unmatched", method="GET", status="404") == 3
    assert server.stop() == 0
