"""Models trained here, on small synthetic data with fixed seeds, served by fraudscore: every held-out
row POSTed to /predict must come back with exactly the library's own number.

- XGBoost: `float(booster.inplace_predict(X.astype(np.float32))[i])` (the objective's own output:
  probability for binary:logistic, margin for binary:logitraw, value for reg:squarederror).
- LightGBM: `booster.predict(X_float64)[i]`.

Both libraries predict with the booster reloaded from the very file the server is given. A NaN cell
is sent as JSON null; LightGBM categories are sent as JSON integers. Nothing is compared with a
tolerance: a mismatch is a bug in fraudscore's evaluator (or number parsing/printing), and the
assertion message names the case, the count and the first differing rows with both values.

Needs tests/requirements.txt (xgboost, lightgbm, numpy) and FRAUDSCORE_BIN.
"""
import collections
import http.client
import json
import re
import subprocess

import numpy as np
import pytest

from conftest import REPO, binary

import xgboost as xgb
import lightgbm as lgb

N_TRAIN = 3000
N_TEST = 300


# --------------------------------------------------------------------------------------------
# data

def synthetic(seed, n, nan_features=(), nan_rate=0.10):
    """Handbook-like columns with full-precision doubles, integers, rounded amounts and ratios."""
    rng = np.random.default_rng(seed)
    amount = np.round(rng.lognormal(3.5, 1.0, n), 2)                 # 2-decimal amounts
    velocity = rng.poisson(3.0, n).astype(np.float64)                # small counts
    avg_amount = amount * rng.uniform(0.5, 1.5, n)                   # 17-digit doubles
    risk = rng.beta(0.5, 8.0, n)                                     # ratios near 0
    night = (rng.random(n) < 0.3).astype(np.float64)                 # 0/1 flag
    noise = rng.normal(0.0, 1e3, n)                                  # signed, wide range
    X = np.column_stack([amount, velocity, avg_amount, risk, night, noise])
    logit = (-3.0 + 0.012 * amount + 0.35 * velocity - 0.004 * avg_amount + 9.0 * risk
             + 1.2 * night + 0.0004 * noise)
    p = 1.0 / (1.0 + np.exp(-logit))
    y_bin = (rng.random(n) < p).astype(np.float64)
    y_reg = logit + rng.normal(0.0, 0.3, n)
    for j in nan_features:
        X[rng.random(n) < nan_rate, j] = np.nan
    return X, y_bin, y_reg


NAMES = ["amount", "velocity", "avg_amount", "risk", "night", "noise"]


def split(X, *ys):
    return (X[:N_TRAIN], X[N_TRAIN:N_TRAIN + N_TEST]), [(y[:N_TRAIN], y[N_TRAIN:N_TRAIN + N_TEST]) for y in ys]


# --------------------------------------------------------------------------------------------
# requests

def cell(value, integer=False):
    value = float(value)
    if np.isnan(value):
        return None
    return int(value) if integer else value


def request_bodies(X, names, *, shuffle_seed=None, integer_features=(), extra=None):
    """One JSON object per row: transaction_id plus every feature by name (NaN -> null)."""
    rng = np.random.default_rng(shuffle_seed) if shuffle_seed is not None else None
    bodies = []
    for i, row in enumerate(X):
        items = [("transaction_id", 100_000 + i)]
        items += [(name, cell(v, name in integer_features)) for name, v in zip(names, row)]
        items += list((extra or {}).items())
        if rng is not None:
            items = [items[k] for k in rng.permutation(len(items))]
        bodies.append(dict(items))
    return bodies


def predict_all(server, bodies):
    """POSTs each body on one keep-alive connection; returns the fraud_probability values."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    out = []
    try:
        for body in bodies:
            payload = json.dumps(body)
            conn.request("POST", "/predict", body=payload, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            assert resp.status == 200, f"HTTP {resp.status} for {payload}: {data!r}"
            reply = json.loads(data)
            assert reply["transaction_id"] == body["transaction_id"], (payload, reply)
            out.append(reply["fraud_probability"])
    finally:
        conn.close()
    return out


def assert_exact(case, bodies, served, expected, labels=None):
    expected = [float(e) for e in expected]
    assert len(served) == len(expected)
    bad = [i for i, (s, e) in enumerate(zip(served, expected))
           if not (type(s) in (int, float) and float(s) == e)]
    if bad:
        lines = []
        for i in bad[:3]:
            s, e = served[i], expected[i]
            diff = (float(s) - e) if type(s) in (int, float) else "n/a"
            lines.append(f"  row {i}: fraudscore={s!r} library={e!r} diff={diff} request={json.dumps(bodies[i])}")
        if labels is not None:
            counts = collections.Counter(labels[i] for i in bad)
            lines.append("  mismatches by row group: " + ", ".join(f"{k}: {n}" for k, n in counts.most_common()))
        pytest.fail(f"{case}: {len(bad)}/{len(expected)} rows differ from the library\n" + "\n".join(lines),
                    pytrace=False)


def serve_and_compare(start_server, case, model_path, bodies, expected, labels=None):
    server = start_server("--port", "0", "--model", str(model_path))
    served = predict_all(server, bodies)
    assert_exact(case, bodies, served, expected, labels)
    assert server.stop() == 0


# --------------------------------------------------------------------------------------------
# XGBoost

def train_xgb(X, y, names, params, rounds=40):
    dtrain = xgb.DMatrix(X, label=y, feature_names=names)
    base = {"max_depth": 4, "eta": 0.3, "seed": 0, "nthread": 1, "tree_method": "hist"}
    return xgb.train({**base, **params}, dtrain, num_boost_round=rounds)


def xgb_expected(model_path, X_test):
    booster = xgb.Booster(model_file=str(model_path))
    return booster.inplace_predict(X_test.astype(np.float32))


@pytest.mark.parametrize("suffix", ["json", "ubj"])
def test_xgboost_binary_logistic_with_missing_values(start_server, tmp_path, suffix):
    X, y, _ = synthetic(seed=11, n=N_TRAIN + N_TEST, nan_features=(0, 1, 3, 5))
    (X_train, X_test), [(y_train, _)] = split(X, y)
    booster = train_xgb(X_train, y_train, NAMES, {"objective": "binary:logistic"})
    path = tmp_path / f"model.{suffix}"
    booster.save_model(str(path))
    assert np.isnan(X_test).any(axis=1).sum() > 50, "the held-out rows should exercise missing values"
    serve_and_compare(start_server, f"xgboost binary:logistic NaN ({suffix})", path,
                      request_bodies(X_test, NAMES), xgb_expected(path, X_test))


def test_xgboost_feature_order_comes_from_the_model_not_the_request(start_server, tmp_path):
    # Neither alphabetical nor the request's order: the model's order is z, f, n, a, m, r.
    model_names = ["z_velocity", "f_amount", "night_flag", "a_count", "m_avg_amount", "r_noise"]
    X, y, _ = synthetic(seed=23, n=N_TRAIN + N_TEST, nan_features=(2,), nan_rate=0.05)
    X = X[:, [1, 0, 4, 3, 2, 5]]  # columns in model_names order
    (X_train, X_test), [(y_train, _)] = split(X, y)
    booster = train_xgb(X_train, y_train, model_names, {"objective": "binary:logistic"})
    path = tmp_path / "model.json"
    booster.save_model(str(path))
    assert xgb.Booster(model_file=str(path)).feature_names == model_names
    # Keys shuffled per row; handbook names (not features of this model) and other fields are decoys
    # that must be ignored.
    decoys = {"tx_amount": 1e9, "customer_id_nb_tx_1day_window": -5, "f_amount_x": 3.5, "note": "ignore me"}
    bodies = request_bodies(X_test, model_names, shuffle_seed=7, extra=decoys)
    assert len({tuple(b) for b in bodies}) > 100, "key orders should differ between rows"
    serve_and_compare(start_server, "xgboost shuffled keys / custom names", path, bodies,
                      xgb_expected(path, X_test))


@pytest.mark.parametrize("objective", ["reg:squarederror", "binary:logitraw"])
def test_xgboost_raw_output_objectives(start_server, tmp_path, objective):
    X, y_bin, y_reg = synthetic(seed=37, n=N_TRAIN + N_TEST, nan_features=(1, 4))
    y = y_reg if objective == "reg:squarederror" else y_bin
    (X_train, X_test), [(y_train, _)] = split(X, y)
    booster = train_xgb(X_train, y_train, NAMES, {"objective": objective})
    path = tmp_path / "model.json"
    booster.save_model(str(path))
    expected = xgb.Booster(model_file=str(path)).inplace_predict(X_test.astype(np.float32), predict_type="value")
    if objective == "binary:logitraw":
        assert (expected < 0).any() and (expected > 0).any(), "margins, not probabilities"
    serve_and_compare(start_server, f"xgboost {objective}", path, request_bodies(X_test, NAMES), expected)


# --------------------------------------------------------------------------------------------
# LightGBM

LGB_BASE = {"num_leaves": 15, "learning_rate": 0.1, "min_data_in_leaf": 20, "seed": 0, "deterministic": True,
            "num_threads": 1, "force_col_wise": True, "verbose": -1}


def train_lgb(X, y, names, params, rounds=50, categorical=()):
    params = {**LGB_BASE, **params}
    ds = lgb.Dataset(X, label=y, feature_name=names, categorical_feature=list(categorical) or "auto",
                     params=params, free_raw_data=False)
    return lgb.train(params, ds, num_boost_round=rounds)


def lgb_expected(model_path, X_test):
    return lgb.Booster(model_file=str(model_path)).predict(np.ascontiguousarray(X_test, dtype=np.float64))


def missing_types(model_path):
    """The set of missing types (0 None, 1 Zero, 2 NaN) of the numerical splits in a LightGBM text model."""
    types = set()
    for line in model_path.read_text().splitlines():
        if line.startswith("decision_type="):
            for d in map(int, line.split("=", 1)[1].split()):
                if not d & 1:
                    types.add((d >> 2) & 3)
    return types


def test_lightgbm_binary_with_nan(start_server, tmp_path):
    X, y, _ = synthetic(seed=41, n=N_TRAIN + N_TEST, nan_features=(0, 2, 3))
    (X_train, X_test), [(y_train, _)] = split(X, y)
    booster = train_lgb(X_train, y_train, NAMES, {"objective": "binary"})
    path = tmp_path / "model.txt"
    booster.save_model(str(path))
    assert 2 in missing_types(path), "training NaN should give splits with missing type NaN"
    # NaN also in a column that had none in training (missing type None: NaN is scored as 0).
    X_test = X_test.copy()
    X_test[np.random.default_rng(5).random(N_TEST) < 0.1, 1] = np.nan
    serve_and_compare(start_server, "lightgbm binary NaN", path, request_bodies(X_test, NAMES),
                      lgb_expected(path, X_test))


def zero_heavy(seed):
    X, y, _ = synthetic(seed=seed, n=N_TRAIN + N_TEST, nan_features=(2,), nan_rate=0.05)
    rng = np.random.default_rng(seed + 1)
    for j in (0, 3, 5):  # plenty of exact zeros in a few columns (velocity and night have their own)
        X[rng.random(len(X)) < 0.2, j] = 0.0
    return X, y


@pytest.fixture
def zero_as_missing_model(tmp_path):
    X, y = zero_heavy(seed=53)
    (X_train, X_test), [(y_train, _)] = split(X, y)
    booster = train_lgb(X_train, y_train, NAMES, {"objective": "binary", "zero_as_missing": True})
    path = tmp_path / "model.txt"
    booster.save_model(str(path))
    assert 1 in missing_types(path), "zero_as_missing should give splits with missing type Zero"
    return path, X_test


def test_lightgbm_zero_as_missing(start_server, zero_as_missing_model):
    path, X_test = zero_as_missing_model
    X_test = X_test.copy()
    X_test[np.random.default_rng(9).random(N_TEST) < 0.05, 0] = -0.0
    serve_and_compare(start_server, "lightgbm zero_as_missing", path, request_bodies(X_test, NAMES),
                      lgb_expected(path, X_test))


@pytest.fixture
def nan_model_with_zeros(tmp_path):
    # Default missing handling (NaN), zeros and negatives in the data: splits at +-kZeroThreshold.
    X, y = zero_heavy(seed=53)
    X[np.random.default_rng(3).random(len(X)) < 0.3, 5] = 0.0
    (X_train, X_test), [(y_train, _)] = split(X, y)
    booster = train_lgb(X_train, y_train, NAMES, {"objective": "binary"})
    path = tmp_path / "model.txt"
    booster.save_model(str(path))
    assert missing_types(path) >= {2}
    return path, X_test


K_ZERO = float(np.float32(1e-35))  # LightGBM's kZeroThreshold: a double holding 1e-35f


@pytest.mark.parametrize("model", ["zero_as_missing_model", "nan_model_with_zeros"])
def test_lightgbm_values_near_kZeroThreshold(start_server, request, model):
    # LightGBM's predictor turns every |x| <= kZeroThreshold (1.0000000180025095e-35, not 1e-35) into
    # 0 before the trees, and its Zero missing type tests |x| <= kZeroThreshold; thresholds next to
    # zero are saved as +-kZeroThreshold.
    path, X_test = request.getfixturevalue(model)
    text = path.read_text()
    assert "1.0000000180025095e-35" in text, "the model should split at kZeroThreshold"
    tiny = [0.0, -0.0, 1e-35, -1e-35, K_ZERO, -K_ZERO, float(np.nextafter(K_ZERO, 1.0)),
            float(np.nextafter(-K_ZERO, -1.0)), 1.000000005e-35, -1.000000005e-35, 5e-36, -5e-36, 2e-35,
            1e-300, 5e-324]
    # Every (column, tiny value) pair on the first 100 held-out rows, then tiny values mixed at random.
    base = X_test[:100]
    blocks, labels = [], []
    for j, name in enumerate(NAMES):
        for v in tiny:
            block = base.copy()
            block[:, j] = v
            blocks.append(block)
            labels += [f"{name}={v!r}"] * len(block)
    mixed = X_test.copy()
    rng = np.random.default_rng(13)
    for j in range(len(NAMES)):
        rows = rng.random(N_TEST) < 0.3
        mixed[rows, j] = rng.choice(tiny, rows.sum())
    labels += ["random mix"] * len(mixed)
    X_test = np.vstack(blocks + [mixed])
    serve_and_compare(start_server, f"lightgbm {model.removesuffix('_model')}, values near kZeroThreshold", path,
                      request_bodies(X_test, NAMES), lgb_expected(path, X_test), labels)


def test_lightgbm_categorical_feature(start_server, tmp_path):
    rng = np.random.default_rng(61)
    n = N_TRAIN + N_TEST
    X, _, _ = synthetic(seed=61, n=n, nan_features=(0,), nan_rate=0.05)
    merchant = rng.integers(0, 25, n).astype(np.float64)  # many categories: bitset splits
    channel = rng.integers(0, 3, n).astype(np.float64)    # few categories: one-vs-rest splits
    risky = np.isin(merchant, [3, 7, 11, 19, 24])
    logit = -2.0 + 2.5 * risky + 0.8 * (channel == 2) + 0.01 * np.nan_to_num(X[:, 0]) + 6.0 * X[:, 3]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.float64)
    merchant[rng.random(n) < 0.05] = np.nan
    names = NAMES + ["merchant_category", "channel"]
    X = np.column_stack([X, merchant, channel])
    cat_idx = [names.index("merchant_category"), names.index("channel")]
    (X_train, X_test), [(y_train, _)] = split(X, y)
    booster = train_lgb(X_train, y_train, names, {"objective": "binary", "min_data_per_group": 10,
                                                  "cat_smooth": 1.0, "max_cat_threshold": 32},
                        categorical=cat_idx)
    path = tmp_path / "model.txt"
    booster.save_model(str(path))
    text = path.read_text()
    assert re.search(r"^num_cat=[1-9]", text, re.M), "the model should have categorical splits"
    # Held-out rows: categories unseen in training (just past the range, far past any bitset word,
    # huge), NaN, and seen ones.
    X_test = X_test.copy()
    unseen = np.array([25, 26, 31, 32, 40, 63, 64, 100, 1000, 123456])
    rows = rng.random(N_TEST) < 0.2
    X_test[rows, cat_idx[0]] = rng.choice(unseen, rows.sum())
    X_test[rng.random(N_TEST) < 0.1, cat_idx[0]] = np.nan
    rows = rng.random(N_TEST) < 0.1
    X_test[rows, cat_idx[1]] = rng.choice([3, 4, 7, 33], rows.sum())
    X_test[rng.random(N_TEST) < 0.05, cat_idx[1]] = np.nan
    bodies = request_bodies(X_test, names, integer_features=("merchant_category", "channel"))
    assert all(type(b["merchant_category"]) in (int, type(None)) for b in bodies)
    serve_and_compare(start_server, "lightgbm categorical", path, bodies, lgb_expected(path, X_test))


def test_lightgbm_regression(start_server, tmp_path):
    X, _, y = synthetic(seed=71, n=N_TRAIN + N_TEST, nan_features=(3,))
    (X_train, X_test), [(y_train, _)] = split(X, y)
    booster = train_lgb(X_train, y_train, NAMES, {"objective": "regression"})
    path = tmp_path / "model.txt"
    booster.save_model(str(path))
    expected = lgb_expected(path, X_test)
    assert (expected < 0).any() and (expected > 1).any(), "raw regression values, not probabilities"
    serve_and_compare(start_server, "lightgbm regression", path, request_bodies(X_test, NAMES), expected)


# --------------------------------------------------------------------------------------------
# truncated model files

def small_models(tmp_path):
    X, y, _ = synthetic(seed=83, n=1000)
    lgb_path = tmp_path / "full.txt"
    train_lgb(X, y, NAMES, {"objective": "binary"}, rounds=20).save_model(str(lgb_path))
    ubj_path = tmp_path / "full.ubj"
    train_xgb(X, y, NAMES, {"objective": "binary:logistic"}, rounds=20).save_model(str(ubj_path))
    return {"lightgbm": lgb_path, "ubjson": ubj_path}


@pytest.mark.parametrize("kind, pattern", [
    ("lightgbm", r"truncated"),
    ("ubjson", r"truncated|end of data|UBJSON"),
])
def test_truncated_model_file_is_rejected(tmp_path, kind, pattern):
    full = small_models(tmp_path)[kind]
    data = full.read_bytes()
    cut = tmp_path / ("cut" + full.suffix)
    cut.write_bytes(data[:len(data) // 2])
    proc = subprocess.Popen([binary(), "serve", "--host", "127.0.0.1", "--port", "0", "--model", str(cut)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        stdout, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, _ = proc.communicate()
        pytest.fail(f"{kind}: the server kept running on a model cut to {len(data) // 2} of {len(data)} bytes\n"
                    f"output:\n{stdout}")
    assert proc.returncode == 2, f"{kind}: exit code {proc.returncode}\noutput:\n{stdout}"
    assert re.search(pattern, stdout, re.I), f"{kind}: the log does not name the problem ({pattern}):\n{stdout}"
