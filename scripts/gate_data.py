#!/usr/bin/env python3
"""Labeled rows and models for the promotion gate, from the handbook simulator the fixtures come
from (scripts/make_fixtures.py): the reference model's recipe retrained a day later (its 14-day
window shifted by one day), the same recipe on shuffled labels, and 10,000 labeled rows of the test
days (every fraud among them) as requests.

    python3 scripts/gate_data.py OUT_DIR    # writes retrained.json, shuffled.json, evaluation.jsonl

Used by tests/e2e/test_promotion_gate.py and scripts/bench_gate.sh."""
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as fixtures  # noqa: E402

EVALUATION_ROWS = 10_000


def make(out: Path) -> dict:
    import xgboost as xgb
    out.mkdir(parents=True, exist_ok=True)
    train, test = fixtures.dataset()
    newer, _ = fixtures.dataset(train_start_day=36)
    params = {"objective": "binary:logistic", "max_depth": 5, "learning_rate": 0.1, "tree_method": "hist",
              "nthread": 2, "seed": fixtures.SEED}

    def fit(rows, labels, path):
        X = rows[fixtures.FEATURES].to_numpy(dtype=np.float32)
        booster = xgb.train(params, xgb.DMatrix(X, label=labels, feature_names=fixtures.FEATURES), num_boost_round=200)
        booster.save_model(path)
        return path

    retrained = fit(newer, newer.tx_fraud.to_numpy(), out / "retrained.json")
    shuffled = fit(train, np.random.default_rng(1).permutation(train.tx_fraud.to_numpy()), out / "shuffled.json")
    frauds = np.flatnonzero(test.tx_fraud.to_numpy() == 1)
    legit = np.random.default_rng(2).choice(np.flatnonzero(test.tx_fraud.to_numpy() == 0),
                                            EVALUATION_ROWS - len(frauds), replace=False)
    rows = out / "evaluation.jsonl"
    with rows.open("w") as fh:
        for row in test.iloc[np.sort(np.concatenate([frauds, legit]))].itertuples(index=False):
            fh.write(json.dumps({**fixtures.request_fields(row), "tx_fraud": int(row.tx_fraud)}) + "\n")
    return {"retrained": retrained, "shuffled": shuffled, "rows": rows}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for name, path in make(Path(sys.argv[1])).items():
        print(f"{name}: {path}")
