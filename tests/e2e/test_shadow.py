"""--shadow: a second model scores requests off the request path. Every scored request yields one
comparison record (ids, versions, both probabilities: never the transaction's fields) and moves the
shadow metrics; a sampled share is chosen by a hash of transaction_id; a stalled record sink costs
bounded memory and a drop counter, never a client's request."""
import json
import os
import threading
import time
import time

from conftest import FIXTURES
from modelrepo import golden_row, http, metric, wait_until

CHAMPION = FIXTURES / "models" / "xgb_model.json"
SHADOW = FIXTURES / "models" / "lgbm_model.txt"
RECORD_KEYS = {"request_id", "transaction_id", "served_version", "served_probability", "shadow_version",
               "shadow_probability"}


def request_of(row):
    return {k: v for k, v in row.items()
            if not k.endswith(("_prob", "_raw", "_margin")) and k not in ("tx_fraud", "tx_fraud_scenario")}


def serve_with_shadow(start_server, *args):
    """The reference XGBoost model served, the fixture LightGBM model as its shadow, loaded."""
    server = start_server("--port", "0", "--model", str(CHAMPION), "--shadow", str(SHADOW), *args)
    wait_until(lambda: http("GET", server.url + "/health")[1].get("shadow"), what="the shadow model loaded")
    return server


def golden_rows(n):
    return [golden_row(i) for i in range(n)]


def post(server, row, request_id):
    status, body = http("POST", server.url + "/predict", request_of(row), headers={"X-Request-Id": request_id})
    assert status == 200, body
    return body


def read_records(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def sampled(transaction_id, rate):
    """fraudscore's choice: splitmix64's finaliser of the id, top 32 bits below rate * 2^32."""
    m = 0xFFFFFFFFFFFFFFFF
    z = (transaction_id + 0x9E3779B97F4A7C15) & m
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
    return (z ^ (z >> 31)) >> 32 < round(rate * 2**32)


def test_every_request_is_compared_and_recorded(start_server, tmp_path):
    records = tmp_path / "shadow.jsonl"
    server = serve_with_shadow(start_server, "--shadow-records", str(records))
    rows = golden_rows(300)
    answers = [post(server, row, f"req-{i}") for i, row in enumerate(rows)]
    got = wait_until(lambda: len(read_records(records)) == len(rows) and read_records(records),
                     what="a record for every request")
    for i, (row, answer, record) in enumerate(zip(rows, answers, sorted(got, key=lambda r: int(r["request_id"][4:])))):
        assert set(record) == RECORD_KEYS  # no transaction fields
        assert record["request_id"] == f"req-{i}" and record["transaction_id"] == row["transaction_id"]
        assert record["served_probability"] == answer["fraud_probability"] == row["xgb_prob"]
        assert record["shadow_probability"] == row["lgbm_prob"]  # LightGBM's own prediction, exactly
        assert record["served_version"] == answer["model_version"]
    health = http("GET", server.url + "/health")[1]
    assert health["shadow"]["name"] == "lgbm_model"
    assert all(r["shadow_version"] == health["shadow"]["version"] for r in got)

    assert metric(server, "fraudscore_shadow_requests_total", '{outcome="scored"}') == len(rows)
    assert metric(server, "fraudscore_shadow_requests_total", '{outcome="dropped"}') == 0
    assert metric(server, "fraudscore_shadow_records_total", '{fate="written"}') == len(rows)
    to_legit = sum(r["xgb_prob"] >= 0.5 > r["lgbm_prob"] for r in rows)
    to_fraud = sum(r["lgbm_prob"] >= 0.5 > r["xgb_prob"] for r in rows)
    assert to_legit + to_fraud > 0  # the two models disagree somewhere in these rows
    assert metric(server, "fraudscore_shadow_decision_flips_total", '{served="fraud",shadow="legit"}') == to_legit
    assert metric(server, "fraudscore_shadow_decision_flips_total", '{served="legit",shadow="fraud"}') == to_fraud
    assert metric(server, "fraudscore_shadow_score_count") == len(rows)
    assert abs(metric(server, "fraudscore_shadow_score_sum") - sum(r["lgbm_prob"] for r in rows)) < 1e-9
    gaps = [abs(r["lgbm_prob"] - r["xgb_prob"]) for r in rows]
    assert metric(server, "fraudscore_shadow_gap_bucket", '{le="0.01"}') == sum(g <= 0.01 for g in gaps)
    info = [line for line in http("GET", server.url + "/metrics")[1].splitlines()
            if line.startswith("fraudscore_shadow_model_info{")]
    assert len(info) == 1 and 'name="lgbm_model"' in info[0]


def test_a_sampled_share_is_chosen_by_transaction_id(start_server, tmp_path):
    records = tmp_path / "shadow.jsonl"
    server = serve_with_shadow(start_server, "--shadow-sample-rate", "0.25", "--shadow-records", str(records))
    rows = golden_rows(1000)
    for i, row in enumerate(rows):
        post(server, row, f"s-{i}")
    expected = {r["transaction_id"] for r in rows if sampled(r["transaction_id"], 0.25)}
    assert 200 < len(expected) < 300
    got = wait_until(lambda: len(read_records(records)) >= len(expected) and read_records(records),
                     what="the sampled records")
    assert {r["transaction_id"] for r in got} == expected and len(got) == len(expected)
    assert metric(server, "fraudscore_shadow_requests_total", '{outcome="scored"}') == len(expected)


def test_a_stalled_sink_drops_counted_records_and_never_a_request(start_server, tmp_path):
    # A FIFO nobody reads: the sink's open() blocks, as a hung NFS mount or disk would.
    fifo = tmp_path / "stalled.fifo"
    os.mkfifo(fifo)
    server = serve_with_shadow(start_server, "--shadow-records", str(fifo), "--shadow-max-pending-batches", "2")
    rows = golden_rows(50)
    sent = 0
    # Batches flush every second: keep scoring until more than the first (stuck) and two pending
    # batches have been made, so that later ones must be dropped.
    while not metric(server, "fraudscore_shadow_records_total", '{fate="dropped"}'):
        post(server, rows[sent % len(rows)], f"f-{sent}")
        sent += 1
        assert sent < 20000, "no record was dropped"
    assert metric(server, "fraudscore_shadow_records_total", '{fate="written"}') == 0
    # The reader arrives: the stuck batch and the pending ones are written, nothing else blocks.
    lines, done = [], threading.Event()

    def read():  # the sink opens the file for each batch: read one writer after another
        while not done.is_set():
            with open(fifo) as f:
                lines.extend(f.read().splitlines())
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    wait_until(lambda: metric(server, "fraudscore_shadow_records_total", '{fate="written"}') > 0,
               what="the sink written to once its reader came")
    for i in range(20):
        post(server, rows[i % len(rows)], f"after-{i}")
    total = sent + 20
    wait_until(lambda: metric(server, "fraudscore_shadow_requests_total", '{outcome="scored"}') == total,
               what="every request scored by the shadow")
    assert metric(server, "fraudscore_shadow_requests_total", '{outcome="dropped"}') == 0
    dropped = metric(server, "fraudscore_shadow_records_total", '{fate="dropped"}')
    assert server.stop() == 0  # the last batch is written on the way out
    done.set()
    os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # wakes the reader's last open()
    reader.join(timeout=10)
    assert not reader.is_alive()
    # Every scored request was either written or counted as dropped, and only the latter is missing.
    assert len(lines) == total - dropped, (len(lines), total, dropped)
    assert all(set(json.loads(line)) == RECORD_KEYS for line in lines)


def test_a_reader_leaving_a_fifo_sink_cannot_end_the_server(start_server, tmp_path):
    # A FIFO's reader can close between the sink's open() and its write(): the write must fail with
    # EPIPE (a sink error, its records counted as dropped), not raise SIGPIPE, whose default action
    # ends the process. The server ignores SIGPIPE from the start, TLS or not: the kernel's own
    # record of the process says so (SigIgn, one bit per signal, SIGPIPE = 13).
    server = serve_with_shadow(start_server, "--shadow-records", str(tmp_path / "records.jsonl"))
    status = open(f"/proc/{server.proc.pid}/status").read()
    ignored = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigIgn:")), 16)
    assert ignored & (1 << (13 - 1)), status


def test_a_sink_stuck_at_shutdown_does_not_hold_the_exit(start_server, tmp_path):
    fifo = tmp_path / "never-read.fifo"
    os.mkfifo(fifo)
    server = serve_with_shadow(start_server, "--shadow-records", str(fifo), "--drain-timeout-ms", "1000")
    for i in range(5):
        post(server, golden_row(i), f"x-{i}")
    wait_until(lambda: metric(server, "fraudscore_shadow_requests_total", '{outcome="scored"}') == 5,
               what="the requests scored by the shadow")
    started = time.monotonic()
    assert server.stop() == 0
    assert time.monotonic() - started < 10
    assert server.entries(msg="shadow records not all written: the record sink is stuck; exiting without it")


def test_records_go_to_an_s3_prefix_in_batches(start_server, s3, s3_bucket):
    from modelrepo import s3_env
    server = start_server("--port", "0", "--model", str(CHAMPION), "--shadow", str(SHADOW),
                          "--shadow-records", f"s3://{s3_bucket}/shadow/", "--s3-endpoint", s3.endpoint,
                          env=s3_env(s3))
    wait_until(lambda: http("GET", server.url + "/health")[1].get("shadow"), what="the shadow model loaded")
    rows = golden_rows(120)
    for i, row in enumerate(rows):
        post(server, row, f"s3-{i}")
    wait_until(lambda: metric(server, "fraudscore_shadow_records_total", '{fate="written"}') == len(rows),
               what="the records written to S3")
    keys = [o for o in s3.list("shadow/", bucket=s3_bucket)]
    assert keys and all(k.startswith("shadow/shadow-") and k.endswith(".jsonl") for k in keys), keys
    records = [json.loads(line) for k in keys for line in s3.get(k, bucket=s3_bucket).decode().splitlines()]
    assert sorted(r["request_id"] for r in records) == sorted(f"s3-{i}" for i in range(len(rows)))
    assert all(set(r) == RECORD_KEYS for r in records)
