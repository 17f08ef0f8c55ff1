"""The online-features fixture: a stream of raw transactions with labels, and the handbook's
windowed features computed offline the way the Fraud Detection Handbook writes them (pandas
time-based rolling windows per customer and per terminal, ch. 3 "Baseline feature
transformation"), cross-checked against the vectorised implementation the default model is trained
with (train_default_model.add_features).

    from feature_stream import write_stream; write_stream(Path("stream.csv.gz"))

make_fixtures.py writes it to tests/fixtures/features/stream.csv.gz (gzip without a timestamp, so
the bytes repeat); tests/e2e/test_online_features.py
replays it through the server and compares every feature.

Definitions, for w in 1, 7, 30 days and a transaction at time t, ties at one second ordered by
transaction_id (the stable sort below; the handbook's sort_values alone leaves ties unordered):
  customer_id_nb_tx_{w}day_window / _avg_amount_: the customer's transactions in (t - w, t], up to
      this one, and their mean amount;
  terminal_id_nb_tx_{w}day_window / _risk_: the terminal's transactions in (t - 7 - w, t - 7] and
      the share of them that are frauds (0 when none).
"""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd

import train_default_model as handbook

# 400 customers, 800 terminals over 62 days: about 49,000 transactions, ~1,000 frauds.
CUSTOMERS, TERMINALS, DAYS, START, RADIUS, SEED = 400, 800, 62, "2018-04-01", 5.0, 11
RAW = ["transaction_id", "tx_datetime", "customer_id", "terminal_id", "tx_amount", "tx_fraud"]
WINDOWED = handbook.FEATURES[3:]


def customer_features(tx: pd.DataFrame) -> pd.DataFrame:
    """The handbook's get_customer_spending_behaviour_features, for one customer."""
    tx = tx.sort_values(["tx_datetime", "transaction_id"], kind="mergesort").set_index("tx_datetime")
    out = pd.DataFrame(index=tx["transaction_id"].to_numpy())
    for w in handbook.WINDOWS:
        total = tx["tx_amount"].rolling(f"{w}D").sum()
        count = tx["tx_amount"].rolling(f"{w}D").count()
        out[f"customer_id_nb_tx_{w}day_window"] = count.to_numpy().astype(np.int64)
        out[f"customer_id_avg_amount_{w}day_window"] = (total / count).to_numpy()
    return out


def terminal_features(tx: pd.DataFrame) -> pd.DataFrame:
    """The handbook's get_count_risk_rolling_window, for one terminal (delay 7 days)."""
    tx = tx.sort_values(["tx_datetime", "transaction_id"], kind="mergesort").set_index("tx_datetime")
    fraud = tx["tx_fraud"].astype(np.float64)
    d = handbook.DELAY_DAYS
    frauds_delay, count_delay = fraud.rolling(f"{d}D").sum(), fraud.rolling(f"{d}D").count()
    out = pd.DataFrame(index=tx["transaction_id"].to_numpy())
    for w in handbook.WINDOWS:
        frauds = fraud.rolling(f"{d + w}D").sum() - frauds_delay
        count = fraud.rolling(f"{d + w}D").count() - count_delay
        out[f"terminal_id_nb_tx_{w}day_window"] = count.to_numpy().astype(np.int64)
        out[f"terminal_id_risk_{w}day_window"] = (frauds / count).fillna(0).to_numpy()
    return out


def stream() -> pd.DataFrame:
    df = handbook.generate(CUSTOMERS, TERMINALS, DAYS, START, RADIUS, SEED)
    df = df.sort_values(["tx_datetime", "transaction_id"], kind="mergesort").reset_index(drop=True)
    raw = df[RAW]
    by_customer = pd.concat([customer_features(g) for _, g in raw.groupby("customer_id")])
    by_terminal = pd.concat([terminal_features(g) for _, g in raw.groupby("terminal_id")])
    out = raw.set_index("transaction_id", drop=False).join(by_customer).join(by_terminal).reset_index(drop=True)
    check_against_vectorised(df, out)
    return out[RAW + WINDOWED]


def check_against_vectorised(df: pd.DataFrame, out: pd.DataFrame) -> None:
    """The two offline implementations agree: counts exactly, means and risks to 1e-12 relative."""
    ref = handbook.add_features(df).set_index("transaction_id").loc[out["transaction_id"]]
    for f in WINDOWED:
        a, b = out[f].to_numpy(dtype=np.float64), ref[f].to_numpy(dtype=np.float64)
        if "_nb_tx_" in f:
            assert np.array_equal(a, b), f
        else:
            assert np.allclose(a, b, rtol=1e-12, atol=0), (f, np.max(np.abs(a - b)))


def write_stream(path: Path) -> dict:
    s = stream()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = s.to_csv(index=False, date_format="%Y-%m-%d %H:%M:%S", lineterminator="\n")
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode())
    t = pd.to_datetime(s["tx_datetime"])
    return {"generator": "scripts/feature_stream.py", "seed": SEED, "customers": CUSTOMERS, "terminals": TERMINALS,
            "rows": len(s), "frauds": int(s["tx_fraud"].sum()), "first": str(t.min()), "last": str(t.max()),
            "days": int((t.max() - t.min()) / pd.Timedelta(days=1)) + 1}
