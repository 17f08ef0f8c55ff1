#!/usr/bin/env python3
"""Train the default fraud-scoring model shipped in models/default/.

Self-contained: generates synthetic card transactions, computes the baseline
features, trains an XGBoost binary:logistic model and writes

    <out>/xgb_model.json     XGBoost JSON model (Booster.save_model), feature
                             names set (learner.feature_names)
    <out>/model_meta.json    version, sha256 of xgb_model.json, features,
                             decision threshold, data/split sizes, test metrics
    <out>/validation.jsonl   50 held-out rows (raw request fields + features)
                             with "expected_prob" = the model's probability for
                             the row's float32 feature vector

How to run (from the repository root; needs only PyPI):

    python3 -m venv .venv-train && .venv-train/bin/pip install -r scripts/requirements-train.txt && .venv-train/bin/python scripts/train_default_model.py

Options: --out DIR (default: models/default under the repository root, found
from this script's path), --seed N (default 42), plus the data-size knobs
below.  Same seed + same arguments + same pinned versions => byte-identical
xgb_model.json and validation.jsonl (only created_utc in model_meta.json
changes between runs).  Takes well under a minute on 2 cores.

Data (after the "Transaction data simulator" chapter of the Fraud Detection
Handbook, Le Borgne et al.; vectorised with numpy, so the exact rows differ
from the book's dataset):
  customers  location (x, y) ~ U(0,100)^2, mean amount ~ U(5,100), std amount
             = mean/2, mean tx/day ~ U(0,4)
  terminals  location (x, y) ~ U(0,100)^2; a customer pays only at terminals
             closer than --radius
  per day    n ~ Poisson(mean tx/day); time of day ~ N(12h, 20000 s), dropped
             if outside (0, 86400); amount ~ N(mean, std), a negative draw is
             replaced by U(0, 2*mean); rounded to cents; terminal drawn
             uniformly among the usable ones
  frauds     scenario 1: amount > 220
             scenario 2: every day 2 random terminals are compromised for the
                         next 28 days (all their tx are fraud)
             scenario 3: every day 3 random customers are compromised for the
                         next 14 days; 1/3 of their tx get amount x5, are fraud
  Later scenarios overwrite the scenario id of earlier ones.

Features (model input order = FEATURES):
  tx_amount
  tx_during_weekend                    1 if Saturday/Sunday else 0
  tx_during_night                      1 if hour <= 6 (00:00:00-06:59:59) else 0
  customer_id_nb_tx_{w}day_window      number of tx of the same customer with
                                       time in (t - w days, t], current included
  customer_id_avg_amount_{w}day_window mean tx_amount over that window
  terminal_id_nb_tx_{w}day_window      number of tx of the same terminal with
                                       time in (t - (7+w) days, t - 7 days]
                                       (7-day label delay)
  terminal_id_risk_{w}day_window       fraud share over that delayed window,
                                       0 when the window is empty
  for w in (1, 7, 30).  Rows of the same key and the same second are ordered
  by transaction_id (as pandas' time-based rolling does).

Split (handbook baseline): train on --train-days days starting at day
--train-start-day, skip --delay-days, test on the next --test-days days; in
the test days cards already known to be compromised (frauds seen up to
test_day - delay) are removed.  Metrics in model_meta.json are on that test set.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import platform
import sys
import time

import numpy as np
import pandas as pd

DAY = 86400
WINDOWS = (1, 7, 30)
DELAY_DAYS = 7

FEATURES = [
    "tx_amount",
    "tx_during_weekend",
    "tx_during_night",
    "customer_id_nb_tx_1day_window",
    "customer_id_avg_amount_1day_window",
    "customer_id_nb_tx_7day_window",
    "customer_id_avg_amount_7day_window",
    "customer_id_nb_tx_30day_window",
    "customer_id_avg_amount_30day_window",
    "terminal_id_nb_tx_1day_window",
    "terminal_id_risk_1day_window",
    "terminal_id_nb_tx_7day_window",
    "terminal_id_risk_7day_window",
    "terminal_id_nb_tx_30day_window",
    "terminal_id_risk_30day_window",
]
INT_FEATURES = [f for f in FEATURES if "_nb_tx_" in f or f.startswith("tx_during")]

MODEL_VERSION = "xgb-default-1.0.0"
MODEL_NAME = "fraud-default"
MODEL_FILE = "xgb_model.json"
DECISION_THRESHOLD = 0.5


# ================================================================ data ======
def make_customers(rng: np.random.Generator, n: int) -> pd.DataFrame:
    xy = rng.uniform(0.0, 100.0, size=(n, 2))
    mean_amount = rng.uniform(5.0, 100.0, size=n)
    return pd.DataFrame({
        "customer_id": np.arange(n, dtype=np.int64),
        "x": xy[:, 0], "y": xy[:, 1],
        "mean_amount": mean_amount,
        "std_amount": mean_amount / 2.0,
        "mean_nb_tx_per_day": rng.uniform(0.0, 4.0, size=n),
    })


def make_terminals(rng: np.random.Generator, n: int) -> pd.DataFrame:
    xy = rng.uniform(0.0, 100.0, size=(n, 2))
    return pd.DataFrame({"terminal_id": np.arange(n, dtype=np.int64), "x": xy[:, 0], "y": xy[:, 1]})


def usable_terminals(cust: pd.DataFrame, term: pd.DataFrame, radius: float):
    """CSR adjacency: customer c may use flat[offsets[c]:offsets[c+1]]."""
    cell = max(radius, 1e-9)
    tx, ty = term["x"].to_numpy(), term["y"].to_numpy()
    gx, gy = (tx // cell).astype(np.int64), (ty // cell).astype(np.int64)
    buckets: dict[tuple[int, int], list[int]] = {}
    for tid, key in enumerate(zip(gx.tolist(), gy.tolist())):
        buckets.setdefault(key, []).append(tid)
    buckets_np = {k: np.asarray(v, dtype=np.int64) for k, v in buckets.items()}
    empty = np.empty(0, dtype=np.int64)
    lists = []
    for cx, cy in zip(cust["x"].to_numpy(), cust["y"].to_numpy()):
        bx, by = int(cx // cell), int(cy // cell)
        cand = np.sort(np.concatenate([buckets_np.get((bx + dx, by + dy), empty)
                                       for dx in (-1, 0, 1) for dy in (-1, 0, 1)]))
        d2 = (tx[cand] - cx) ** 2 + (ty[cand] - cy) ** 2
        lists.append(cand[d2 < radius * radius])
    counts = np.array([len(a) for a in lists], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    flat = np.concatenate(lists) if lists else empty
    return flat, offsets, counts


def make_transactions(rng, cust, flat, offsets, counts, n_days, start_date):
    n_c = len(cust)
    n_tx = rng.poisson(cust["mean_nb_tx_per_day"].to_numpy()[:, None], size=(n_c, n_days))
    c_idx = np.repeat(np.repeat(np.arange(n_c), n_days), n_tx.ravel())
    d_idx = np.repeat(np.tile(np.arange(n_days), n_c), n_tx.ravel())
    m = len(c_idx)
    tod = rng.normal(DAY / 2, 20000.0, size=m).astype(np.int64)  # truncation toward 0 like int()
    keep = (tod > 0) & (tod < DAY) & (counts[c_idx] > 0)
    c_idx, d_idx, tod = c_idx[keep], d_idx[keep], tod[keep]
    m = len(c_idx)
    mu = cust["mean_amount"].to_numpy()[c_idx]
    sd = cust["std_amount"].to_numpy()[c_idx]
    amount = rng.normal(mu, sd)
    neg = amount < 0
    amount[neg] = rng.uniform(0.0, 2.0 * mu[neg])
    amount = np.round(amount, 2)
    pick = np.floor(rng.random(m) * counts[c_idx]).astype(np.int64)
    terminal = flat[offsets[c_idx] + pick]
    df = pd.DataFrame({
        "tx_time_seconds": d_idx.astype(np.int64) * DAY + tod,
        "tx_time_days": d_idx.astype(np.int64),
        "customer_id": c_idx.astype(np.int64),
        "terminal_id": terminal.astype(np.int64),
        "tx_amount": amount,
    })
    df = df.sort_values(["tx_time_seconds", "customer_id"], kind="mergesort").reset_index(drop=True)
    df.insert(0, "transaction_id", np.arange(len(df), dtype=np.int64))
    df.insert(1, "tx_datetime", pd.Timestamp(start_date) + pd.to_timedelta(df["tx_time_seconds"], unit="s"))
    return df


def add_frauds(rng, df, n_customers, n_terminals, n_days):
    fraud = np.zeros(len(df), dtype=np.int64)
    scen = np.zeros(len(df), dtype=np.int64)
    amount = df["tx_amount"].to_numpy().copy()
    day = df["tx_time_days"].to_numpy()
    term = df["terminal_id"].to_numpy()
    cust = df["customer_id"].to_numpy()

    s1 = amount > 220                                        # scenario 1
    fraud[s1], scen[s1] = 1, 1

    comp = np.zeros((n_terminals, n_days), dtype=bool)       # scenario 2
    for d in range(n_days - 1):
        for t in rng.choice(n_terminals, size=2, replace=False):
            comp[t, d:d + 28] = True
    s2 = comp[term, day]
    fraud[s2], scen[s2] = 1, 2

    order = np.argsort(cust, kind="mergesort")               # scenario 3
    bounds = np.searchsorted(cust[order], np.arange(n_customers + 1))
    for d in range(n_days - 1):
        for c in rng.choice(n_customers, size=3, replace=False):
            rows = order[bounds[c]:bounds[c + 1]]
            rows = rows[(day[rows] >= d) & (day[rows] < d + 14)]
            k = len(rows) // 3
            if k == 0:
                continue
            hit = rng.choice(rows, size=k, replace=False)
            amount[hit] = np.round(amount[hit] * 5, 2)
            fraud[hit], scen[hit] = 1, 3
    df = df.copy()
    df["tx_amount"] = amount
    df["tx_fraud"] = fraud
    df["tx_fraud_scenario"] = scen
    return df


def generate(n_customers, n_terminals, n_days, start_date, radius, seed):
    rng = np.random.default_rng(seed)
    cust = make_customers(rng, n_customers)
    term = make_terminals(rng, n_terminals)
    flat, offsets, counts = usable_terminals(cust, term, radius)
    df = make_transactions(rng, cust, flat, offsets, counts, n_days, start_date)
    return add_frauds(rng, df, n_customers, n_terminals, n_days)


# ============================================================ features ======
def _group_sorted(key: np.ndarray, t: np.ndarray, tid: np.ndarray):
    """Sort by (key, time, transaction_id); return the order and one sortable
    int64 combining key and time so window starts are a single searchsorted."""
    order = np.lexsort((tid, t, key))
    k, ts = key[order], t[order]
    big = int(ts.max() - ts.min()) + (max(WINDOWS) + DELAY_DAYS + 2) * DAY
    comb = (k - k.min()) * big + (ts - ts.min())
    return order, comb


def add_features(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    dt = pd.to_datetime(out["tx_datetime"])
    out["tx_during_weekend"] = (dt.dt.day_of_week >= 5).astype(np.int64)
    out["tx_during_night"] = (dt.dt.hour <= 6).astype(np.int64)
    t = (dt - dt.min()).dt.total_seconds().to_numpy().astype(np.int64)
    tid = out["transaction_id"].to_numpy()
    amount = out["tx_amount"].to_numpy(dtype=np.float64)
    n = len(out)
    pos = np.arange(n)

    # customer spending behaviour (amounts are whole cents => exact integer sums)
    order, comb = _group_sorted(out["customer_id"].to_numpy(), t, tid)
    cents = np.round(amount[order] * 100.0)
    assert np.allclose(cents, amount[order] * 100.0, rtol=0, atol=1e-6)
    csum = np.concatenate([[0], np.cumsum(cents.astype(np.int64))])
    for w in WINDOWS:
        start = np.searchsorted(comb, comb - w * DAY, side="right")
        cnt = pos - start + 1
        avg = ((csum[pos + 1] - csum[start]) / 100.0) / cnt
        res_cnt = np.empty(n, dtype=np.int64)
        res_avg = np.empty(n, dtype=np.float64)
        res_cnt[order], res_avg[order] = cnt, avg
        out[f"customer_id_nb_tx_{w}day_window"] = res_cnt
        out[f"customer_id_avg_amount_{w}day_window"] = res_avg

    # terminal risk with a 7-day label delay
    order, comb = _group_sorted(out["terminal_id"].to_numpy(), t, tid)
    fcs = np.concatenate([[0], np.cumsum(out["tx_fraud"].to_numpy()[order].astype(np.int64))])
    b = np.searchsorted(comb, comb - DELAY_DAYS * DAY, side="right")
    for w in WINDOWS:
        a = np.searchsorted(comb, comb - (DELAY_DAYS + w) * DAY, side="right")
        nb = b - a
        nf = fcs[b] - fcs[a]
        risk = np.divide(nf, nb, out=np.zeros(n, dtype=np.float64), where=nb > 0)
        res_nb = np.empty(n, dtype=np.int64)
        res_risk = np.empty(n, dtype=np.float64)
        res_nb[order], res_risk[order] = nb, risk
        out[f"terminal_id_nb_tx_{w}day_window"] = res_nb
        out[f"terminal_id_risk_{w}day_window"] = res_risk
    return out


def check_features_against_rolling(df: pd.DataFrame, n_groups: int = 10, seed: int = 0) -> float:
    """Spot-check the vectorised features against pandas time-based rolling
    (the handbook's formulation) on a few customers and terminals; returns the
    max abs difference."""
    rng = np.random.default_rng(seed)
    f = df.set_index("transaction_id")
    worst = 0.0
    for cid in rng.choice(df["customer_id"].unique(), size=n_groups, replace=False):
        g = df[df.customer_id == cid].sort_values(["tx_datetime", "transaction_id"]).set_index("tx_datetime")
        for w in WINDOWS:
            r = g["tx_amount"].rolling(f"{w}D")
            ref = np.c_[r.count().to_numpy(), (r.sum() / r.count()).to_numpy()]
            mine = f.loc[g["transaction_id"].to_numpy(),
                         [f"customer_id_nb_tx_{w}day_window", f"customer_id_avg_amount_{w}day_window"]]
            worst = max(worst, float(np.max(np.abs(mine.to_numpy(dtype=float) - ref))))
    for tid in rng.choice(df["terminal_id"].unique(), size=n_groups, replace=False):
        g = df[df.terminal_id == tid].sort_values(["tx_datetime", "transaction_id"]).set_index("tx_datetime")
        fr = g["tx_fraud"].astype(float)
        nfd, ntd = fr.rolling(f"{DELAY_DAYS}D").sum(), fr.rolling(f"{DELAY_DAYS}D").count()
        for w in WINDOWS:
            nf = fr.rolling(f"{DELAY_DAYS + w}D").sum() - nfd
            nt = fr.rolling(f"{DELAY_DAYS + w}D").count() - ntd
            ref = np.c_[nt.to_numpy(), (nf / nt).fillna(0).to_numpy()]
            mine = f.loc[g["transaction_id"].to_numpy(),
                         [f"terminal_id_nb_tx_{w}day_window", f"terminal_id_risk_{w}day_window"]]
            worst = max(worst, float(np.max(np.abs(mine.to_numpy(dtype=float) - ref))))
    return worst


# =============================================================== split ======
def split(df: pd.DataFrame, train_start_day: int, train_days: int, delay_days: int, test_days: int):
    d0 = train_start_day
    train = df[(df.tx_time_days >= d0) & (df.tx_time_days < d0 + train_days)]
    known = set(train.loc[train.tx_fraud == 1, "customer_id"].tolist())
    parts = []
    for i in range(test_days):
        late = df[df.tx_time_days == d0 + train_days + i - 1]
        known |= set(late.loc[late.tx_fraud == 1, "customer_id"].tolist())
        day = df[df.tx_time_days == d0 + train_days + delay_days + i]
        parts.append(day[~day.customer_id.isin(known)])
    test = pd.concat(parts)
    return train.sort_values("transaction_id"), test.sort_values("transaction_id")


# ============================================================= metrics ======
def roc_auc(y: np.ndarray, s: np.ndarray) -> float:
    """Mann-Whitney AUC with average ranks for ties."""
    y = np.asarray(y).astype(bool)
    ranks = pd.Series(s).rank(method="average").to_numpy()
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def average_precision(y: np.ndarray, s: np.ndarray) -> float:
    """sum over distinct thresholds of (recall_k - recall_{k-1}) * precision_k."""
    y = np.asarray(y).astype(np.int64)
    order = np.argsort(-s, kind="mergesort")
    ys, ss = y[order], s[order]
    last = np.r_[np.flatnonzero(np.diff(ss) != 0), len(ss) - 1]  # end of each tie group
    tp = np.cumsum(ys)[last]
    fp = (last + 1) - tp
    precision = tp / (tp + fp)
    recall = tp / y.sum()
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def card_precision_at_k(test: pd.DataFrame, score: np.ndarray, k: int = 100) -> float:
    d = pd.DataFrame({"day": test.tx_time_days.to_numpy(), "card": test.customer_id.to_numpy(),
                      "y": test.tx_fraud.to_numpy(), "s": score})
    caught: set = set()
    per_day = []
    for _, g in d.groupby("day", sort=True):
        g = g[~g.card.isin(caught)]
        cards = g.groupby("card").agg(s=("s", "max"), y=("y", "max"))
        top = cards.sort_values("s", ascending=False, kind="mergesort").head(k)
        hit = top.index[top.y == 1]
        per_day.append(len(hit) / k)
        caught |= set(hit.tolist())
    return float(np.mean(per_day))


def threshold_metrics(y: np.ndarray, s: np.ndarray, thr: float) -> dict:
    pred = s >= thr
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    tn = int(np.sum(~pred & (y == 0)))
    return {"threshold": thr, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "precision": tp / (tp + fp) if tp + fp else 0.0,
            "recall": tp / (tp + fn) if tp + fn else 0.0,
            "fpr": fp / (fp + tn) if fp + tn else 0.0}


def sha256_file(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# ================================================================ main ======
def main() -> int:
    repo_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(repo_root, "models", "default"),
                    help="output directory (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--customers", type=int, default=4000)
    ap.add_argument("--terminals", type=int, default=8000)
    ap.add_argument("--days", type=int, default=70)
    ap.add_argument("--start-date", default="2018-04-01")
    ap.add_argument("--radius", type=float, default=5.0)
    ap.add_argument("--train-start-day", type=int, default=35,
                    help="first training day (>= 30+7 gives full feature windows)")
    ap.add_argument("--train-days", type=int, default=14)
    ap.add_argument("--delay-days", type=int, default=DELAY_DAYS)
    ap.add_argument("--test-days", type=int, default=7)
    ap.add_argument("--nthread", type=int, default=2)
    ap.add_argument("--validation-n", type=int, default=50)
    ap.add_argument("--validation-frauds", type=int, default=15)
    ap.add_argument("--check-features", action="store_true",
                    help="also spot-check the features against pandas rolling windows")
    a = ap.parse_args()
    if a.train_start_day + a.train_days + a.delay_days + a.test_days > a.days:
        ap.error("train + delay + test days do not fit in --days")

    import xgboost as xgb

    t0 = time.time()
    df = add_features(generate(a.customers, a.terminals, a.days, a.start_date, a.radius, a.seed))
    n_frauds = int(df.tx_fraud.sum())
    scen = {f"scenario_{i}": int((df.tx_fraud_scenario == i).sum()) for i in (1, 2, 3)}
    print(f"data: {len(df)} tx, {n_frauds} frauds ({n_frauds / len(df):.3%}) {scen} [{time.time() - t0:.1f}s]")
    if a.check_features:
        err = check_features_against_rolling(df)
        print(f"feature spot-check vs pandas rolling: max abs diff {err:.3g}")
        if not err <= 1e-9:
            print("feature check FAILED", file=sys.stderr)
            return 1

    train, test = split(df, a.train_start_day, a.train_days, a.delay_days, a.test_days)
    Xtr = train[FEATURES].to_numpy(dtype=np.float32)
    ytr = train.tx_fraud.to_numpy()
    Xte = test[FEATURES].to_numpy(dtype=np.float32)
    yte = test.tx_fraud.to_numpy()
    print(f"train: {len(train)} rows / {int(ytr.sum())} frauds; test: {len(test)} rows / {int(yte.sum())} frauds")

    params = {"objective": "binary:logistic", "max_depth": 5, "learning_rate": 0.1, "tree_method": "hist",
              "nthread": a.nthread, "seed": a.seed, "eval_metric": "auc"}
    n_estimators = 200
    t = time.time()
    dtrain = xgb.DMatrix(Xtr, label=ytr, feature_names=FEATURES, nthread=a.nthread)
    booster = xgb.train(params, dtrain, num_boost_round=n_estimators)
    fit_s = time.time() - t

    os.makedirs(a.out, exist_ok=True)
    model_path = os.path.join(a.out, MODEL_FILE)
    booster.save_model(model_path)

    # everything below scores with the reloaded file = what a consumer sees
    model = xgb.Booster()
    model.load_model(model_path)
    model.set_param({"nthread": a.nthread})
    assert model.feature_names == FEATURES, model.feature_names
    assert model.num_boosted_rounds() == n_estimators
    prob = model.inplace_predict(Xte).astype(np.float64)
    assert np.array_equal(prob, booster.inplace_predict(Xte).astype(np.float64))

    thresholds = sorted({0.1, 0.2, 0.3, DECISION_THRESHOLD})
    metrics = {
        "test_auc": roc_auc(yte, prob),
        "test_average_precision": average_precision(yte, prob),
        "test_card_precision_at_100": card_precision_at_k(test, prob, 100),
        "at_threshold": [threshold_metrics(yte, prob, th) for th in thresholds],
    }
    print(f"test AUC {metrics['test_auc']:.4f}  AP {metrics['test_average_precision']:.4f}  "
          f"CP@100 {metrics['test_card_precision_at_100']:.4f}  [fit {fit_s:.1f}s]")
    for tm in metrics["at_threshold"]:
        print(f"  thr={tm['threshold']:.2f} tp={tm['tp']} fp={tm['fp']} fn={tm['fn']} tn={tm['tn']} "
              f"precision={tm['precision']:.3f} recall={tm['recall']:.3f}")

    # ---- golden validation rows (held-out test rows) ---------------------
    rng = np.random.default_rng(a.seed)
    idx_f = np.flatnonzero(yte == 1)
    idx_l = np.flatnonzero(yte == 0)
    nf = min(a.validation_frauds, len(idx_f))
    pick = np.sort(np.concatenate([rng.choice(idx_f, nf, replace=False),
                                   rng.choice(idx_l, a.validation_n - nf, replace=False)]))
    rows = []
    for j in pick:
        r = test.iloc[j]
        row = {"transaction_id": int(r.transaction_id),
               "tx_datetime": r.tx_datetime.strftime("%Y-%m-%d %H:%M:%S"),
               "customer_id": int(r.customer_id),
               "terminal_id": int(r.terminal_id),
               "tx_amount": float(r.tx_amount),
               "tx_time_seconds": int(r.tx_time_seconds),
               "tx_time_days": int(r.tx_time_days)}
        for f in FEATURES[1:]:
            row[f] = int(r[f]) if f in INT_FEATURES else float(r[f])
        x = np.array([[row[f] for f in FEATURES]], dtype=np.float64)
        row["expected_prob"] = float(model.inplace_predict(x.astype(np.float32))[0])
        assert row["expected_prob"] == prob[j]  # single-row == batch prediction
        rows.append(row)
    val_path = os.path.join(a.out, "validation.jsonl")
    with open(val_path, "w") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")

    # ---- metadata ---------------------------------------------------------
    meta = {
        "model_version": MODEL_VERSION,
        "name": MODEL_NAME,
        "format": "xgboost-json",
        "file": MODEL_FILE,
        "sha256": sha256_file(model_path),
        "bytes": os.path.getsize(model_path),
        "features": FEATURES,
        "integer_features": INT_FEATURES,
        "decision_threshold": DECISION_THRESHOLD,
        "created_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "xgboost_version": xgb.__version__,
        "data": {"generator": "synthetic, Fraud Detection Handbook simulator (scenarios 1-3)",
                 "seed": a.seed, "customers": a.customers, "terminals": a.terminals, "days": a.days,
                 "start_date": a.start_date, "radius": a.radius,
                 "rows": int(len(df)), "frauds": n_frauds, "frauds_by_scenario": scen},
        "split": {"train_start_day": a.train_start_day, "train_days": a.train_days,
                  "delay_days": a.delay_days, "test_days": a.test_days,
                  "train_rows": int(len(train)), "train_frauds": int(ytr.sum()),
                  "test_rows": int(len(test)), "test_frauds": int(yte.sum())},
        "metrics": metrics,
        "params": {"objective": "binary:logistic", "n_estimators": n_estimators, "max_depth": 5,
                   "learning_rate": 0.1, "tree_method": "hist", "nthread": a.nthread, "seed": a.seed},
        "validation": {"file": "validation.jsonl", "rows": len(rows), "frauds": int(nf),
                       "expected_prob": "inplace_predict on the float32 feature vector"},
        "versions": {"python": platform.python_version(), "xgboost": xgb.__version__,
                     "numpy": np.__version__, "pandas": pd.__version__},
    }
    with open(os.path.join(a.out, "model_meta.json"), "w") as fh:
        json.dump(meta, fh, indent=2)
        fh.write("\n")
    print(f"wrote {model_path} ({meta['bytes']} bytes, sha256 {meta['sha256'][:16]}...), "
          f"{val_path} ({len(rows)} rows), model_meta.json  [total {time.time() - t0:.1f}s]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
