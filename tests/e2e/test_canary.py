"""--canary: a challenger answers a stable share of customers (a hash of customer_id, the same on
every replica), and is rolled back automatically when its error rate or its score distribution
(PSI over a sliding window) departs from the served model's."""
import http.client
import json

from conftest import FIXTURES
from modelrepo import golden_row, http as call, metric, wait_until

SERVED = FIXTURES / "models" / "xgb_model.json"
LIGHTGBM = FIXTURES / "models" / "lgbm_model.txt"
ROWS = [golden_row(i) for i in range(2000)]


def request_of(row, customer):
    body = {k: v for k, v in row.items()
            if not k.endswith(("_prob", "_raw", "_margin")) and k not in ("tx_fraud", "tx_fraud_scenario")}
    return {**body, "customer_id": customer}


def in_share(customer_id, percent):
    """fraudscore's choice: splitmix64's finaliser of the id, top 32 bits below percent% of 2^32."""
    m = 0xFFFFFFFFFFFFFFFF
    z = (customer_id + 0x9E3779B97F4A7C15) & m
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
    return (z ^ (z >> 31)) >> 32 < round(percent / 100 * 2**32)


def score(server, customers):
    """{customer: (status, answer)} over one keep-alive connection, row i of the golden rows for the
    i-th customer."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    out = {}
    for i, customer in enumerate(customers):
        conn.request("POST", "/predict", json.dumps(request_of(ROWS[i % len(ROWS)], customer)),
                     {"Content-Type": "application/json"})
        response = conn.getresponse()
        out[customer] = (response.status, json.loads(response.read()))
    conn.close()
    return out


def serve(start_server, canary, *args):
    server = start_server("--port", "0", "--model", str(SERVED), "--canary", str(canary), *args)
    wait_until(lambda: call("GET", server.url + "/health")[1].get("canary"), what="the canary loaded")
    return server


def shifted_model(tmp_path, **changes):
    """The served model with its learner changed: a shifted base score, or a feature renamed."""
    model = json.loads(SERVED.read_text())
    learner = model["learner"]
    if "base_score" in changes:
        learner["learner_model_param"]["base_score"] = changes["base_score"]
    if "rename" in changes:
        old, new = changes["rename"]
        learner["feature_names"] = [new if f == old else f for f in learner["feature_names"]]
    path = tmp_path / "canary.json"
    path.write_text(json.dumps(model))
    return path


def test_a_stable_share_of_customers_is_answered_by_the_canary_on_every_replica(start_server):
    args = ("--canary-percent", "10", "--canary-max-psi", "100", "--canary-max-error-rate-increase", "1")
    first, second = serve(start_server, LIGHTGBM, *args), serve(start_server, LIGHTGBM, *args)
    canary_version = call("GET", first.url + "/health")[1]["canary"]["version"]
    customers = list(range(1, 10_001))
    answers = score(first, customers)
    assert all(status == 200 for status, _ in answers.values())
    by_canary = {c for c, (_, a) in answers.items() if a["model_version"] == canary_version}
    assert abs(len(by_canary) / len(customers) * 100 - 10) <= 1.5, len(by_canary)
    assert by_canary == {c for c in customers if in_share(c, 10)}
    # The canary's answers are LightGBM's own predictions for those rows.
    for i, c in enumerate(customers[:2000]):
        if c in by_canary:
            assert answers[c][1]["fraud_probability"] == ROWS[i]["lgbm_prob"]
    again = score(second, customers[:3000])
    assert {c for c, (_, a) in again.items() if a["model_version"] == canary_version} == \
        {c for c in by_canary if c <= 3000}
    assert metric(first, "fraudscore_canary_requests_total", '{arm="canary"}') == len(by_canary)
    assert metric(first, "fraudscore_canary_live") == 1


def test_a_canary_with_shifted_scores_is_rolled_back(start_server, tmp_path):
    canary = shifted_model(tmp_path, base_score="[5E-1]")  # every margin up by logit(0.5) - logit(0.0104)
    server = serve(start_server, canary, "--canary-percent", "50", "--canary-window", "400",
                   "--canary-min-requests", "200")
    canary_version = call("GET", server.url + "/health")[1]["canary"]["version"]
    answers = score(server, range(1, 1001))
    assert metric(server, "fraudscore_canary_rollbacks_total", '{reason="drift"}') == 1
    assert metric(server, "fraudscore_canary_live") == 0
    health = call("GET", server.url + "/health")[1]["canary"]
    assert health["state"] == "rolled_back" and health["reason"] == "drift" and "PSI" in health["detail"]
    assert any("canary rolled back" in line and "drift" in line for line in server.logs)
    answered_by_canary = [c for c, (_, a) in answers.items() if a["model_version"] == canary_version]
    assert 200 <= len(answered_by_canary) < 600  # until the rollback, then none
    after = score(server, [c for c in range(1, 400) if in_share(c, 50)])
    assert all(a["model_version"] != canary_version for _, a in after.values())


def test_a_canary_that_fails_requests_is_rolled_back_and_the_good_one_stays(start_server, tmp_path):
    # The canary needs a field most clients do not send: its share gets 422s until it is rolled back.
    canary = shifted_model(tmp_path, rename=("terminal_id_risk_30day_window", "device_risk"))
    server = serve(start_server, canary, "--canary-percent", "50", "--canary-window", "400",
                   "--canary-min-requests", "200", "--request-fields", "device_risk")
    answers = score(server, range(1, 1001))
    failed = [c for c, (status, _) in answers.items() if status == 422]
    assert failed and all(in_share(c, 50) for c in failed)
    assert metric(server, "fraudscore_canary_rollbacks_total", '{reason="errors"}') == 1
    health = call("GET", server.url + "/health")[1]["canary"]
    assert health["state"] == "rolled_back" and health["reason"] == "errors"
    after = score(server, failed[:50])
    assert all(status == 200 for status, _ in after.values())  # the served model answers them now

    # A canary as good as the served model (LightGBM on the same data: PSI about 0.08 on these rows)
    # is judged over the default 1000 requests a side and stays.
    good = serve(start_server, LIGHTGBM, "--canary-percent", "50", "--canary-window", "1000")
    score(good, range(1, 3001))
    assert metric(good, "fraudscore_canary_requests_total", '{arm="canary"}') >= 1000
    assert metric(good, "fraudscore_canary_live") == 1, call("GET", good.url + "/health")[1]["canary"]
    assert metric(good, "fraudscore_canary_window", '{arm="canary",stat="psi"}') < 0.25
