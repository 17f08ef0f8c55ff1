"""--feature-store redis://…: the same features as the offline pipeline from a real redis-server,
shared by replicas; Redis killed and restarted under load costs 503s with the reason, never a
hung request or a lost label; --on-store-error decides what a transaction gets while it is down."""
import datetime
import http.client
import json
import threading

import pytest

from featurestream import MODEL, ROWS, Client, check_precomputed, raw, replay
from modelrepo import http, metric, wait_until
from redisserver import free_port


def serve(start_server, store, *args, connected=True):
    """A server on `store`; with `connected`, once it is ready: its first connection to Redis made
    (until then it answers 503, and says so on /health/ready, as a load balancer would see)."""
    server = start_server("--port", "0", "--model", str(MODEL), "--feature-store", store, *args)
    if connected:
        wait_until(lambda: http("GET", server.url + "/health/ready")[0] == 200, 30, "the store's first connection")
    return server


def test_two_replicas_sharing_redis_give_the_offline_features(start_server, redis):
    a, b = serve(start_server, redis.url), serve(start_server, redis.url)
    clients = [Client(a), Client(b)]
    # Transactions alternate between the replicas; each label goes to the other one.
    wrong, probabilities = replay(clients, ROWS)
    for c in clients:
        c.close()
    assert wrong == [], f"{len(wrong)} features differ, first: {wrong[:5]}"
    check_precomputed(start_server("--port", "0", "--model", str(MODEL)), ROWS, probabilities)


def test_retries_and_late_transactions_behave_as_in_memory(start_server, redis):
    outcomes = []
    for store in (redis.url, "memory"):
        client = Client(serve(start_server, store))
        base = {"customer_id": 1, "terminal_id": 2}
        sent = [{"transaction_id": 10, "tx_datetime": "2018-05-02 12:00:00", "tx_amount": 10, **base},
                {"transaction_id": 10, "tx_datetime": "2018-05-02 12:00:00", "tx_amount": 10, **base},
                {"transaction_id": 11, "tx_datetime": "2018-05-02 11:00:00", "tx_amount": 30, **base},
                {"transaction_id": 9, "tx_datetime": "2018-05-02 12:00:00", "tx_amount": 5, **base},
                {"transaction_id": 12, "tx_datetime": "2018-05-09 12:30:00", "tx_amount": 50, "customer_id": 3, "terminal_id": 2}]
        answers = [client.post("/predict?explain=true", body)[1] for body in sent[:4]]
        answers.append(client.post("/feedback", {"transaction_id": 11, "is_fraud": True})[1])
        answers.append(client.post("/predict?explain=true", sent[4])[1])
        client.close()
        outcomes.append(answers)
    assert outcomes[0] == outcomes[1]
    first, retry, late, tie, label, week = outcomes[0]
    assert retry == first and first["out_of_order"] is False
    assert late["out_of_order"] is True and late["features"]["customer_id_nb_tx_1day_window"] == 1
    # Same second, smaller id: ordered before id 10, so its window holds id 11 and itself.
    assert tie["out_of_order"] is True and tie["features"]["customer_id_nb_tx_1day_window"] == 2
    assert label == {"transaction_id": 11, "status": "recorded"}
    assert week["features"]["terminal_id_nb_tx_1day_window"] == 3
    assert week["features"]["terminal_id_risk_1day_window"] == pytest.approx(1 / 3, rel=1e-15)


def probe_time(day, seconds):
    return (day + datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")


def test_redis_killed_and_restarted_under_load(start_server, redis):
    server = serve(start_server, redis.url, "--feature-store-timeout-ms", "500")
    day = datetime.datetime(2018, 5, 1)
    terminals, n = 20, 3000
    stream = [{"transaction_id": 100_000 + i, "tx_datetime": probe_time(day, 1 + i * 28), "customer_id": i % 97,
               "terminal_id": i % terminals, "tx_amount": 10 + i % 50} for i in range(n)]
    fraud = {tx["transaction_id"]: (tx["transaction_id"] * 7919) % 10 == 0 for tx in stream}
    refused, reasons, done, errors = [0], set(), [0], []
    lock = threading.Lock()
    pending = list(reversed(stream))

    def until_accepted(client, path, body, accepted):
        while True:
            status, answer = client.post(path, body)
            if accepted(status, answer):
                return
            assert status == 503, (status, answer)
            with lock:
                refused[0] += 1
                reasons.add(answer["detail"].split("(")[1].split(":")[0])
            threading.Event().wait(0.02)  # the client's retry pause

    def worker():
        client = Client(server)  # a timeout (30 s) fails the test: no request may hang
        try:
            while True:
                with lock:
                    if not pending:
                        return
                    tx = pending.pop()
                until_accepted(client, "/predict", tx, lambda s, a: s == 200)
                label = {"transaction_id": tx["transaction_id"], "is_fraud": fraud[tx["transaction_id"]]}
                until_accepted(client, "/feedback", label, lambda s, a: s == 200 and a["status"] == "recorded")
                with lock:
                    done[0] += 1
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(repr(e))
        finally:
            client.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    wait_until(lambda: done[0] >= 800, 60, "800 transactions scored")
    redis.kill()
    wait_until(lambda: http("GET", server.url + "/health/ready")[0] == 503, 10, "readiness to turn 503")
    ready = http("GET", server.url + "/health/ready")[1]
    assert "feature store unavailable" in ready["reason"]
    wait_until(lambda: refused[0] >= 20, 10, "requests refused while Redis is down")
    redis.start()
    wait_until(lambda: http("GET", server.url + "/health/ready")[0] == 200, 10, "readiness to recover")
    for t in threads:
        t.join(120)
    assert errors == [] and done[0] == n
    assert reasons and all("Redis" in r for r in reasons), reasons
    assert metric(server, "fraudscore_features_store_errors_total") >= 1

    # Every transaction recorded once and every label landed: a week later, each terminal's
    # delayed 1-day window holds exactly its transactions of that day, with their frauds.
    client = Client(server)
    for terminal in range(terminals):
        mine = [tx for tx in stream if tx["terminal_id"] == terminal]
        probe = {"transaction_id": 900 + terminal, "tx_datetime": "2018-05-09 00:00:00", "customer_id": 5000,
                 "terminal_id": terminal, "tx_amount": 1}
        status, answer = client.post("/predict?explain=true", probe)
        assert status == 200
        frauds = sum(fraud[tx["transaction_id"]] for tx in mine)
        assert answer["features"]["terminal_id_nb_tx_1day_window"] == len(mine)
        assert answer["features"]["terminal_id_risk_1day_window"] == pytest.approx(frauds / len(mine), rel=1e-15)
    client.close()


@pytest.mark.parametrize("policy", ["reject", "score-without-history"])
def test_the_store_error_policy(start_server, policy):
    nobody = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    server = serve(start_server, nobody, "--on-store-error", policy, connected=False)
    # Until its first attempt fails, the store says "connecting"; after, it names the address.
    wait_until(lambda: "cannot reach Redis" in http("GET", server.url + "/health")[1]["feature_store"].get("reason", ""),
               what="the first connection attempt to fail")
    client = Client(server)
    tx = {"transaction_id": 1, "tx_datetime": "2018-05-01 10:00:00", "customer_id": 1, "terminal_id": 2, "tx_amount": 12.5}
    status, answer = client.post("/predict?explain=true", tx)
    ready = http("GET", server.url + "/health/ready")[0]
    label = client.post("/feedback", {"transaction_id": 1, "is_fraud": True})
    client.close()
    assert label[0] == 503 and "no label was recorded: retry" in label[1]["detail"]
    if policy == "reject":
        assert status == 503 and "cannot reach Redis" in answer["detail"] and "score-without-history" in answer["detail"]
        assert ready == 503
    else:
        assert status == 200 and answer["features_degraded"] is True
        f = answer["features"]
        assert (f["customer_id_nb_tx_30day_window"], f["customer_id_avg_amount_30day_window"]) == (1, 12.5)
        assert (f["terminal_id_nb_tx_30day_window"], f["terminal_id_risk_30day_window"]) == (0, 0)
        assert ready == 200, "it still answers, so it stays in the load balancer"


def split_history(days=40):
    """The stream's first `days` days as history, the rest as live traffic."""
    cut = next(i for i, r in enumerate(ROWS) if r["tx_datetime"] >= f"2018-05-{days - 29:02d}")
    return ROWS[:cut], ROWS[cut:]


def test_backfill_then_live_traffic_gives_the_offline_features(start_server, redis, tmp_path):
    import subprocess
    from conftest import binary
    history, live = split_history()
    path = tmp_path / "history.jsonl"
    path.write_text("".join(json.dumps({**raw(r), "tx_fraud": r["tx_fraud"]}) + "\n" for r in history))
    done = subprocess.run([binary(), "features", "backfill", "--input", str(path), "--store", redis.url],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"recorded {len(history)} transactions (0 already held) and {len(history)} labels" in done.stdout
    assert f"{len(history)}/{len(history)} transactions 100%" in done.stderr  # the progress bar's end
    again = subprocess.run([binary(), "features", "backfill", "--input", str(path), "--store", redis.url],
                           capture_output=True, text=True, timeout=300)
    assert f"({len(history)} already held)" in again.stdout, "a second run records nothing twice"

    client = Client(serve(start_server, redis.url))
    wrong, _ = replay([client], live)
    client.close()
    assert wrong == [], f"{len(wrong)} features differ, first: {wrong[:5]}"


def test_backfill_says_what_is_wrong_with_a_file(tmp_path):
    import subprocess
    from conftest import binary
    path = tmp_path / "history.csv"
    path.write_text("id,when,customer_id\n1,2018-04-01 00:00:00,3\n")
    done = subprocess.run([binary(), "features", "backfill", "--input", str(path), "--store", "redis://127.0.0.1:1/0"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode != 0
    assert "needs the columns transaction_id (or tranaction_id), tx_datetime, customer_id, terminal_id and tx_amount" in done.stderr
