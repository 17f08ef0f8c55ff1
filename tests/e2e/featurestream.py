"""The online-features reference stream (tests/fixtures/features/stream.csv.gz, made by
scripts/feature_stream.py with pandas rolling windows as the handbook writes them) and what the
tests that replay it share."""
import csv
import gzip
import http.client
import json
import math

from conftest import FIXTURES

STREAM = FIXTURES / "features" / "stream.csv.gz"
MODEL = FIXTURES / "models" / "xgb_model.json"
RAW = ["transaction_id", "tx_datetime", "customer_id", "terminal_id", "tx_amount"]
COUNTS = [f"{who}_id_nb_tx_{w}day_window" for who in ("customer", "terminal") for w in (1, 7, 30)]
RATIOS = [f"customer_id_avg_amount_{w}day_window" for w in (1, 7, 30)] + [f"terminal_id_risk_{w}day_window" for w in (1, 7, 30)]


def load_stream():
    with gzip.open(STREAM, "rt") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        for k in ("transaction_id", "customer_id", "terminal_id", "tx_fraud", *COUNTS):
            r[k] = int(r[k])
        for k in ("tx_amount", *RATIOS):
            r[k] = float(r[k])
    return rows


ROWS = load_stream()


def raw(row):
    return {k: row[k] for k in RAW}


class Client:
    """One keep-alive connection."""

    def __init__(self, server):
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)

    def post(self, path, body):
        self.conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = self.conn.getresponse()
        return response.status, json.loads(response.read())

    def close(self):
        self.conn.close()


def mismatches(row, features):
    """The features that differ from the offline pipeline's: counts exactly, the rest to 1e-12 relative."""
    bad = [k for k in COUNTS if features[k] != row[k]]
    bad += [k for k in RATIOS if not math.isclose(features[k], row[k], rel_tol=1e-12, abs_tol=0)]
    return [(k, features[k], row[k]) for k in bad]


def check_precomputed(server, rows, probabilities):
    """The model saw the offline features: the same rows sent with them precomputed score the same."""
    client = Client(server)
    for start in range(0, len(rows), 1000):
        batch = rows[start:start + 1000]
        status, answers = client.post("/predict", [{k: v for k, v in r.items() if k != "tx_fraud"} for r in batch])
        assert status == 200
        for r, a in zip(batch, answers):
            assert a["fraud_probability"] == probabilities[r["transaction_id"]], r["transaction_id"]
    client.close()


def replay(clients, rows):
    """Every row in time order, over the clients in turn, its label fed back right after it (by the
    next client); returns the features that differ from the offline ones and the probabilities."""
    wrong, late, probabilities = [], 0, {}
    for i, row in enumerate(rows):
        status, answer = clients[i % len(clients)].post("/predict?explain=true", raw(row))
        assert status == 200, answer
        wrong += [(row["transaction_id"], *m) for m in mismatches(row, answer["features"])]
        late += answer["out_of_order"]
        probabilities[row["transaction_id"]] = answer["fraud_probability"]
        label = {"transaction_id": row["transaction_id"], "is_fraud": bool(row["tx_fraud"])}
        status, outcome = clients[(i + 1) % len(clients)].post("/feedback", label)
        assert (status, outcome) == (200, {"transaction_id": row["transaction_id"], "status": "recorded"})
    assert late == 0
    return wrong, probabilities

