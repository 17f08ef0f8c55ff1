"""--feature-store memory: raw transactions in, the handbook's windowed features computed by the
service exactly as the offline pipeline computes them (tests/fixtures/features/stream.csv.gz, made by
scripts/feature_stream.py with pandas rolling windows), labels in by POST /feedback."""
import http.client
import json

import pytest

from featurestream import MODEL, ROWS, Client, check_precomputed, mismatches, raw, replay
from modelrepo import metric


def test_the_stream_has_the_size_the_issue_asks_for():
    days = {r["tx_datetime"][:10] for r in ROWS}
    assert len(ROWS) >= 40_000 and len(days) >= 60
    assert sum(r["tx_fraud"] for r in ROWS) > 1000
    assert sum(1 for r in ROWS if r["terminal_id_risk_30day_window"] > 0) > 1000, "the labels reach the terminal windows"


def test_replaying_the_stream_gives_the_offline_features_and_the_same_scores(start_server):
    online = start_server("--port", "0", "--model", str(MODEL), "--feature-store", "memory")
    precomputed = start_server("--port", "0", "--model", str(MODEL))
    client = Client(online)
    wrong, probabilities = replay([client], ROWS)
    client.close()
    assert wrong == [], f"{len(wrong)} features differ, first: {wrong[:5]}"
    check_precomputed(precomputed, ROWS, probabilities)
    assert metric(online, "fraudscore_feedback_labels_total", '{outcome="recorded"}') == len(ROWS)


def test_batches_are_recorded_in_their_order(start_server):
    server = start_server("--port", "0", "--model", str(MODEL), "--feature-store", "memory")
    client = Client(server)
    wrong = []
    for start in range(0, len(ROWS), 500):
        batch = ROWS[start:start + 500]
        status, answers = client.post("/predict?explain=true", [raw(r) for r in batch])
        assert status == 200
        assert [a["transaction_id"] for a in answers] == [r["transaction_id"] for r in batch]
        for r, a in zip(batch, answers):
            wrong += [(r["transaction_id"], *m) for m in mismatches(r, a["features"])]
        # Labels after the whole batch: a terminal's windows end 7 days back, so none is late.
        status, labels = client.post("/feedback", [{"transaction_id": r["transaction_id"], "is_fraud": r["tx_fraud"]} for r in batch])
        assert status == 200 and {x["status"] for x in labels} == {"recorded"}
    client.close()
    assert wrong == [], f"{len(wrong)} features differ, first: {wrong[:5]}"


def test_out_of_order_retries_and_what_the_store_holds(start_server):
    server = start_server("--port", "0", "--model", str(MODEL), "--feature-store", "memory")
    client = Client(server)
    base = {"customer_id": 1, "terminal_id": 2}
    first = client.post("/predict?explain=true", {"transaction_id": 10, "tx_datetime": "2018-05-02 12:00:00", "tx_amount": 10, **base})[1]
    assert first["out_of_order"] is False
    # A retry (the same transaction_id) gets its features again and is not counted twice.
    retry = client.post("/predict?explain=true", {"transaction_id": 10, "tx_datetime": "2018-05-02 12:00:00", "tx_amount": 10, **base})[1]
    assert retry["features"] == first["features"] and retry["fraud_probability"] == first["fraud_probability"]
    late = client.post("/predict?explain=true", {"transaction_id": 11, "tx_datetime": "2018-05-02 11:00:00", "tx_amount": 30, **base})[1]
    # Older than what the store holds: scored against the history as it is (windows end at itself).
    assert late["out_of_order"] is True
    assert late["features"]["customer_id_nb_tx_1day_window"] == 1
    assert late["features"]["customer_id_avg_amount_1day_window"] == 30
    after = client.post("/predict?explain=true", {"transaction_id": 12, "tx_datetime": "2018-05-02 13:00:00", "tx_amount": 50, **base})[1]
    assert after["features"]["customer_id_nb_tx_1day_window"] == 3
    assert after["features"]["customer_id_avg_amount_1day_window"] == 30
    assert metric(server, "fraudscore_features_out_of_order_total") == 1
    assert metric(server, "fraudscore_features_transactions") == 3
    assert metric(server, "fraudscore_features_entities", '{kind="customer"}') == 1
    conn = http.client.HTTPConnection("127.0.0.1", server.port)
    conn.request("GET", "/health")
    store = json.loads(conn.getresponse().read())["feature_store"]
    assert store == {"store": "memory", "up": True, "customers": 1, "terminals": 1, "transactions": 3}
    client.close()


def test_what_clients_get_wrong_is_named(start_server):
    server = start_server("--port", "0", "--model", str(MODEL), "--feature-store", "memory")
    client = Client(server)
    status, answer = client.post("/predict", {"transaction_id": 1, "customer_id": 4})
    assert status == 422
    assert [(e["loc"][-1], e["type"]) for e in answer["detail"]] == [
        ("tx_datetime", "missing"), ("terminal_id", "missing"), ("tx_amount", "missing")]
    assert "computed from it" in answer["detail"][0]["msg"]
    status, answer = client.post("/feedback", [{"transaction_id": 1, "is_fraud": "maybe"}, {"is_fraud": True}])
    assert status == 422
    assert [(e["loc"], e["type"]) for e in answer["detail"]] == [
        (["body", 0, "is_fraud"], "bool_parsing"), (["body", 1, "transaction_id"], "missing")]
    status, answer = client.post("/feedback", {"transaction_id": 404, "is_fraud": False})
    assert status == 200 and answer["status"] == "unknown" and "never scored" in answer["detail"]
    assert metric(server, "fraudscore_feedback_labels_total", '{outcome="unknown"}') == 1
    client.close()


def test_without_a_store_feedback_says_how_to_turn_it_on(start_server):
    server = start_server("--port", "0", "--model", str(MODEL))
    client = Client(server)
    status, answer = client.post("/feedback", {"transaction_id": 1, "is_fraud": True})
    assert status == 404 and "--feature-store memory" in answer["detail"]
    client.close()


@pytest.mark.parametrize("args, message", [
    (["--feature-store", "postgres://x"], "--feature-store must be memory or redis"),
    (["--feature-store", "memory", "--on-store-error", "ignore"], "--on-store-error must be reject or score-without-history"),
])
def test_bad_store_settings_are_refused_at_start(args, message):
    import subprocess
    from conftest import binary
    done = subprocess.run([binary(), "serve", "--model", str(MODEL), *args], capture_output=True, text=True, timeout=30)
    assert done.returncode != 0 and message in done.stderr


def test_a_history_file_warms_the_memory_store(start_server, tmp_path):
    cut = next(i for i, r in enumerate(ROWS) if r["tx_datetime"] >= "2018-05-11")
    history, live = ROWS[:cut], ROWS[cut:]
    # The course data's CSV: pandas' unnamed index column and the historical `tranaction_id` spelling.
    path = tmp_path / "history.csv"
    lines = [",TRANACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_FRAUD"]
    lines += [f"{i},{r['transaction_id']},{r['tx_datetime']},{r['customer_id']},{r['terminal_id']},{r['tx_amount']},{r['tx_fraud']}"
              for i, r in enumerate(history)]
    path.write_text("\n".join(lines) + "\n")
    server = start_server("--port", "0", "--model", str(MODEL), "--feature-store", "memory", "--feature-history", str(path))
    assert metric(server, "fraudscore_features_transactions") > 0.5 * len(history)  # what the terminals still hold
    client = Client(server)
    wrong, _ = replay([client], live)
    client.close()
    assert wrong == [], f"{len(wrong)} features differ, first: {wrong[:5]}"


def test_mlflow_and_open_inference_requests_record_and_score_like_predict(start_server):
    rows = ROWS[:600]
    servers = {kind: start_server("--port", "0", "--model", str(MODEL), "--feature-store", "memory")
               for kind in ("predict", "invocations", "v2")}
    expected = []
    client = Client(servers["predict"])
    for start in (0, 300):
        status, answers = client.post("/predict", [raw(r) for r in rows[start:start + 300]])
        assert status == 200
        expected += [a["fraud_probability"] for a in answers]
    client.close()

    client = Client(servers["invocations"])
    columns = list(raw(rows[0]))
    status, answer = client.post("/invocations", {"dataframe_split": {"columns": columns, "data": [list(raw(r).values()) for r in rows]}})
    assert status == 200, answer
    assert answer["predictions"] == expected
    status, answer = client.post("/invocations", {"instances": [[1, 2, 3]]})
    assert status == 400 and "rows name their columns" in answer["message"]
    client.close()

    client = Client(servers["v2"])
    name = json.loads(urlopen_text(servers["v2"], "/health"))["model"]["name"]
    inputs = [{"name": "transaction_id", "datatype": "INT64", "shape": [len(rows)], "data": [r["transaction_id"] for r in rows]},
              {"name": "tx_datetime", "datatype": "BYTES", "shape": [len(rows)], "data": [r["tx_datetime"] for r in rows]},
              {"name": "customer_id", "datatype": "INT64", "shape": [len(rows)], "data": [r["customer_id"] for r in rows]},
              {"name": "terminal_id", "datatype": "INT64", "shape": [len(rows)], "data": [r["terminal_id"] for r in rows]},
              {"name": "tx_amount", "datatype": "FP64", "shape": [len(rows)], "data": [r["tx_amount"] for r in rows]}]
    status, answer = client.post(f"/v2/models/{name}/infer", {"id": "r1", "inputs": inputs})
    assert status == 200, answer
    assert answer["id"] == "r1" and answer["outputs"][0]["data"] == expected
    status, answer = client.post(f"/v2/models/{name}/infer", {"inputs": inputs[:2]})
    assert status == 400 and "customer_id: Field required" in answer["error"]
    client.close()


def urlopen_text(server, path):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", path)
    text = conn.getresponse().read().decode()
    conn.close()
    return text


def test_a_shadow_and_a_canary_see_the_computed_features(start_server, tmp_path):
    """With online features, a shadow and a canary score what the served model saw: their
    probabilities equal the LightGBM model's on the same rows with the offline features."""
    from modelrepo import wait_until
    lightgbm = str(MODEL.parent / "lgbm_model.txt")
    rows = ROWS[:300]
    reference = start_server("--port", "0", "--model", lightgbm)
    client = Client(reference)
    status, answers = client.post("/predict", [{k: v for k, v in r.items() if k != "tx_fraud"} for r in rows])
    client.close()
    expected = {r["transaction_id"]: a["fraud_probability"] for r, a in zip(rows, answers)}

    records = tmp_path / "shadow.jsonl"
    shadowed = start_server("--port", "0", "--model", str(MODEL), "--feature-store", "memory", "--shadow", lightgbm,
                            "--shadow-records", str(records))
    wait_until(lambda: json.loads(urlopen_text(shadowed, "/health")).get("shadow"), what="the shadow model loaded")
    client = Client(shadowed)
    for r in rows:
        assert client.post("/predict", raw(r))[0] == 200
    client.close()

    def recorded():
        if not records.exists():
            return None
        lines = [json.loads(x) for x in records.read_text().splitlines() if x.strip()]
        return lines if len(lines) == len(rows) else None
    got = wait_until(recorded, 30, "a shadow record per transaction")
    assert {x["transaction_id"]: x["shadow_probability"] for x in got} == expected

    canaried = start_server("--port", "0", "--model", str(MODEL), "--feature-store", "memory", "--canary", lightgbm,
                            "--canary-percent", "100")
    wait_until(lambda: json.loads(urlopen_text(canaried, "/health")).get("canary"), what="the canary loaded")
    client = Client(canaried)
    answers = [client.post("/predict", raw(r))[1] for r in rows]
    client.close()
    assert {a["transaction_id"]: a["fraud_probability"] for a in answers} == expected
    assert {a["model_version"] for a in answers} == {json.loads(urlopen_text(canaried, "/health"))["canary"]["version"]}
