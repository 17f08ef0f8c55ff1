#!/usr/bin/env python3
"""Make the test fixtures in tests/fixtures/: reference models in every format fraudscore reads,
trained with the libraries themselves, and golden rows holding each library's own prediction.

    .venv/bin/python scripts/make_fixtures.py            # rewrite tests/fixtures/
    .venv/bin/python scripts/make_fixtures.py --check    # regenerate into a temp dir, compare bytes

(`scripts/test.sh` creates `.venv/` with the pinned versions of tests/requirements.txt.)
Same pinned versions + same seed => byte-identical files; the script refuses to run with other
versions of the libraries whose output it writes (see PINS), unless --any-versions is given.

What it writes (the data: scripts/train_default_model.py's synthetic transactions in the style of
the Fraud Detection Handbook's simulator, with the handbook's rolling-window features, seed 7):

  models/xgb_model.json, xgb_model.ubj  XGBoost binary:logistic, 200 trees of depth 5, feature names
  models/lgbm_model.txt                 LightGBM binary, 200 trees of 31 leaves
  models/lr_pipeline.onnx, rf.onnx      scikit-learn StandardScaler+LogisticRegression and a random
                                        forest (50 trees, depth 8) by skl2onnx: one unnamed input
                                        X float32 [N, 15], no ZipMap
  models/features.json                  the column order of X (beside the .onnx files, as the server
                                        reads it)
  models/model_meta.json                versions, parameters, sizes and sha256 of the above
  mlflow/xgboost/, mlflow/lightgbm/     the same boosters as MLflow model folders
                                        (mlflow.<flavor>.save_model with a signature)
  golden/golden_test_2000.jsonl         2,000 held-out transactions: raw fields, the features, the
                                        label, and xgb_prob, xgb_margin, lgbm_prob, lgbm_raw,
                                        onnx_lr_prob, onnx_rf_prob (onnxruntime), sklearn_lr_prob,
                                        sklearn_rf_prob, at full precision
  features/stream.csv.gz                ~48,000 raw transactions over 62 days with labels, in time
                                        order, and the windowed features the handbook's pandas
                                        rolling windows give them (scripts/feature_stream.py):
                                        what the online features must reproduce
  features/stream_meta.json             its seed, size and span
  catboost/                             CatBoost models in each NaN mode and their golden rows
                                        (scripts/make_catboost_fixtures.py, which remakes just them)
  golden/http_examples.jsonl            20 request/response pairs of the FastAPI service users run
                                        (scripts/bench/fastapi_app.py's answer: the xgboost model
                                        above, inplace_predict on the float32 row, is_fraud = p >= 0.5)
"""
from __future__ import annotations

import argparse
import filecmp
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

# The same bytes on every x86-64 machine: OpenBLAS picks its kernels by CPU (AVX-512 ones where it
# can), and their different summation order moves the logistic regression's last bits, and with
# them lr_pipeline.onnx and the golden probabilities. Its Haswell (AVX2) kernels on one thread run
# everywhere and give one answer. Set before numpy loads OpenBLAS.
os.environ.setdefault("OPENBLAS_CORETYPE", "Haswell")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
import train_default_model as handbook  # noqa: E402  (the data generator and the features)
import feature_stream  # noqa: E402  (the online features' reference stream)

OUT = REPO / "tests" / "fixtures"
SEED = 7
GOLDEN_ROWS = 2000
HTTP_EXAMPLES = 20
MODEL_VERSION = "xgb-fixture-1.0.0"
# The libraries whose output lands in the files; other versions may write other bytes.
PINS = {"xgboost": "3.2.0", "lightgbm": "4.7.0", "numpy": "2.4.6", "pandas": "3.1.1",
        "scikit-learn": "1.9.1", "skl2onnx": "1.20.0", "onnx": "1.23.2", "onnxruntime": "1.31.1",
        "mlflow-skinny": "3.17.2", "catboost": "1.2.10"}
FEATURES = handbook.FEATURES
INT_FEATURES = set(handbook.INT_FEATURES)


def check_versions(allow_other: bool, pins: dict = PINS, tool: str = "make_fixtures") -> dict:
    found = {name: version(name) for name in pins}
    wrong = {n: v for n, v in found.items() if v != pins[n]}
    if wrong and not allow_other:
        sys.exit(f"{tool}: these libraries are not at the pinned versions, so the files would differ: "
                 + ", ".join(f"{n} {v} (pinned {pins[n]})" for n, v in wrong.items())
                 + ". Run it in the venv scripts/test.sh makes (.venv/bin/python), or pass --any-versions.")
    return found


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dataset(train_start_day=35):
    """Train and test rows of the handbook's baseline split (14 training days, 7 days of label
    delay, 7 test days without the cards already known to be compromised). Another start day is a
    retraining on a shifted window (tests/e2e/test_promotion_gate.py)."""
    df = handbook.add_features(handbook.generate(4000, 8000, 70, "2018-04-01", 5.0, SEED))
    return handbook.split(df, train_start_day=train_start_day, train_days=14, delay_days=handbook.DELAY_DAYS, test_days=7)


def train_xgboost(X, y, out: Path):
    import xgboost as xgb
    params = {"objective": "binary:logistic", "max_depth": 5, "learning_rate": 0.1, "tree_method": "hist",
              "nthread": 1, "seed": SEED}
    booster = xgb.train(params, xgb.DMatrix(X, label=y, feature_names=FEATURES, nthread=1), num_boost_round=200)
    booster.save_model(out / "xgb_model.json")
    booster.save_model(out / "xgb_model.ubj")
    reloaded = xgb.Booster(model_file=str(out / "xgb_model.json"))
    reloaded.set_param({"nthread": 1})
    return booster, reloaded, params


def train_lightgbm(X, y, out: Path):
    import lightgbm as lgb
    params = {"n_estimators": 200, "num_leaves": 31, "learning_rate": 0.05, "random_state": SEED, "n_jobs": 1,
              "deterministic": True, "force_row_wise": True, "verbose": -1}
    model = lgb.LGBMClassifier(**params).fit(X, y, feature_name=FEATURES)
    model.booster_.save_model(out / "lgbm_model.txt")
    return model, lgb.Booster(model_file=str(out / "lgbm_model.txt")), params


def train_sklearn(X, y, out: Path):
    from skl2onnx import to_onnx
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    models = {
        "lr_pipeline": (make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=SEED)),
                        LogisticRegression),
        "rf": (RandomForestClassifier(n_estimators=50, max_depth=8, random_state=SEED, n_jobs=1),
               RandomForestClassifier),
    }
    for name, (model, classifier) in models.items():
        model.fit(X, y)
        onx = to_onnx(model, X[:1], options={classifier: {"zipmap": False}}, target_opset={"": 17, "ai.onnx.ml": 3})
        (out / f"{name}.onnx").write_bytes(onx.SerializeToString())
    (out / "features.json").write_text(json.dumps(FEATURES, indent=1) + "\n")
    return {name: model for name, (model, _) in models.items()}


def onnx_probabilities(path: Path, X) -> np.ndarray:
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    _, probabilities = session.run(None, {session.get_inputs()[0].name: X})
    if isinstance(probabilities, list):  # a ZipMap (catboost's export): one {label: p} per row
        return np.array([p[1] for p in probabilities], dtype=np.float64)
    return probabilities[:, 1].astype(np.float64)


def save_mlflow_folders(xgb_booster, lgbm_booster, X, out: Path):
    """MLflow folders as mlflow.<flavor>.save_model writes them, kept to what a server reads (MLmodel
    and the model file): the environment files describe the Python that ran this script, and the
    fields that change on every save (model_uuid, utc_time_created, python_version, the order of
    some lists) are fixed, so the folders are reproducible."""
    import mlflow.lightgbm
    import mlflow.xgboost
    import pandas as pd
    import yaml
    from mlflow.models import infer_signature
    frame = pd.DataFrame(X[:5], columns=FEATURES)
    signature = infer_signature(frame, np.zeros(5))
    mlflow.xgboost.save_model(xgb_booster, out / "xgboost", signature=signature, model_format="ubj")
    mlflow.lightgbm.save_model(lgbm_booster, out / "lightgbm", signature=signature)
    for flavor in ("xgboost", "lightgbm"):
        for name in ("conda.yaml", "python_env.yaml", "requirements.txt"):
            (out / flavor / name).unlink()
        mlmodel = yaml.safe_load((out / flavor / "MLmodel").read_text())
        mlmodel["model_uuid"] = hashlib.md5(flavor.encode()).hexdigest()
        mlmodel["utc_time_created"] = "2018-06-01 00:00:00.000000"
        pyfunc = mlmodel["flavors"]["python_function"]
        pyfunc.pop("env", None)
        pyfunc["python_version"] = "3.11"
        (out / flavor / "MLmodel").write_text(yaml.safe_dump(sorted_lists(mlmodel), sort_keys=True))


def sorted_lists(value):
    if isinstance(value, dict):
        return {k: sorted_lists(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [sorted_lists(v) for v in value]
        return sorted(items) if all(isinstance(v, str) for v in items) else items
    return value


def request_fields(row) -> dict:
    """A test row as a client sends it: the transaction's raw fields and the handbook's features."""
    out = {"transaction_id": int(row.transaction_id), "tx_datetime": row.tx_datetime.strftime("%Y-%m-%d %H:%M:%S"),
           "customer_id": int(row.customer_id), "terminal_id": int(row.terminal_id),
           "tx_amount": float(row.tx_amount), "tx_time_seconds": int(row.tx_time_seconds),
           "tx_time_days": int(row.tx_time_days)}
    for f in FEATURES[1:]:
        out[f] = int(getattr(row, f)) if f in INT_FEATURES else float(getattr(row, f))
    return out


def golden_rows(test, predictions: dict) -> list[dict]:
    rows = []
    for i, row in enumerate(test.itertuples(index=False)):
        r = request_fields(row)
        r["tx_fraud"], r["tx_fraud_scenario"] = int(row.tx_fraud), int(row.tx_fraud_scenario)
        r.update({key: float(values[i]) for key, values in predictions.items()})
        rows.append(r)
    return rows


def write_jsonl(path: Path, rows):
    with path.open("w") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")


def pick_golden(test, y):
    """GOLDEN_ROWS test rows in time order, every fraud of the test days included, so both decisions
    and the model's extreme scores are covered."""
    rng = np.random.default_rng(SEED)
    frauds = np.flatnonzero(y == 1)
    legit = rng.choice(np.flatnonzero(y == 0), GOLDEN_ROWS - len(frauds), replace=False)
    return test.iloc[np.sort(np.concatenate([frauds, legit]))]


def make(out: Path, versions: dict) -> None:
    (out / "models").mkdir(parents=True)
    stream_meta = feature_stream.write_stream(out / "features" / "stream.csv.gz")
    (out / "features" / "stream_meta.json").write_text(json.dumps(stream_meta, indent=2) + "\n")
    (out / "golden").mkdir()
    (out / "mlflow").mkdir()
    train, test = dataset()
    X = train[FEATURES].to_numpy(dtype=np.float32)
    y = train.tx_fraud.to_numpy()
    golden = pick_golden(test, test.tx_fraud.to_numpy())
    G64 = golden[FEATURES].to_numpy(dtype=np.float64)
    G32 = G64.astype(np.float32)

    booster, xgb_reloaded, xgb_params = train_xgboost(X, y, out / "models")
    lgbm, lgbm_reloaded, lgbm_params = train_lightgbm(X, y, out / "models")
    sklearn_models = train_sklearn(X, y, out / "models")
    save_mlflow_folders(booster, lgbm.booster_, X, out / "mlflow")

    predictions = {
        "xgb_prob": xgb_reloaded.inplace_predict(G32).astype(np.float64),
        "xgb_margin": xgb_reloaded.inplace_predict(G32, predict_type="margin").astype(np.float64),
        "lgbm_prob": lgbm_reloaded.predict(G64, num_threads=1),
        "lgbm_raw": lgbm_reloaded.predict(G64, raw_score=True, num_threads=1),
        "onnx_lr_prob": onnx_probabilities(out / "models" / "lr_pipeline.onnx", G32),
        "onnx_rf_prob": onnx_probabilities(out / "models" / "rf.onnx", G32),
        "sklearn_lr_prob": sklearn_models["lr_pipeline"].predict_proba(G32)[:, 1],
        "sklearn_rf_prob": sklearn_models["rf"].predict_proba(G32)[:, 1],
    }
    rows = golden_rows(golden, predictions)
    write_jsonl(out / "golden" / "golden_test_2000.jsonl", rows)

    # What the FastAPI service answers for the first rows (frauds and legitimate ones alike).
    examples = [r for r in rows if r["tx_fraud"]][:HTTP_EXAMPLES // 2] + [r for r in rows if not r["tx_fraud"]]
    examples = sorted(examples[:HTTP_EXAMPLES], key=lambda r: r["transaction_id"])
    pairs = []
    for r in examples:
        request = {k: r[k] for k in request_fields_order()}
        response = {"transaction_id": r["transaction_id"], "fraud_probability": r["xgb_prob"],
                    "is_fraud": r["xgb_prob"] >= 0.5, "model_version": MODEL_VERSION}
        pairs.append({"request": request, "response": response})
    write_jsonl(out / "golden" / "http_examples.jsonl", pairs)

    files = ["xgb_model.json", "xgb_model.ubj", "lgbm_model.txt", "lr_pipeline.onnx", "rf.onnx"]
    # No top-level model_version: the server would report it for every model file in the folder.
    meta = {
        "http_examples_model_version": MODEL_VERSION,
        "features": FEATURES,
        "integer_features": [f for f in FEATURES if f in INT_FEATURES],
        "decision_threshold": 0.5,
        "data": {"generator": "scripts/train_default_model.py", "seed": SEED, "customers": 4000, "terminals": 8000,
                 "days": 70, "start_date": "2018-04-01", "train_rows": len(train), "train_frauds": int(y.sum()),
                 "test_rows": len(test), "golden_rows": len(rows),
                 "golden_frauds": int(sum(r["tx_fraud"] for r in rows))},
        "params": {"xgboost": {k: v for k, v in xgb_params.items()} | {"num_boost_round": 200},
                   "lightgbm": lgbm_params,
                   "logistic_regression": "StandardScaler + LogisticRegression(max_iter=2000)",
                   "random_forest": "RandomForestClassifier(n_estimators=50, max_depth=8)"},
        "onnx": {"input": "X float32 [N,15] (columns: features.json)", "opset": {"": 17, "ai.onnx.ml": 3},
                 "outputs": "label int64 [N], probabilities float32 [N,2]"},
        "files": {f: {"sha256": sha256(out / "models" / f), "bytes": (out / "models" / f).stat().st_size} for f in files},
        "versions": versions,
    }
    (out / "models" / "model_meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    # catboost/: its own script, which can also remake just that folder.
    import make_catboost_fixtures
    make_catboost_fixtures.make(out / "catboost", versions)


def request_fields_order():
    return ["transaction_id", "tx_datetime", "customer_id", "terminal_id", "tx_amount", "tx_time_seconds",
            "tx_time_days", *FEATURES[1:]]


def differing(a: Path, b: Path) -> list[str]:
    names = sorted({p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file()}
                   | {p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file()})
    return [n for n in names if not ((a / n).is_file() and (b / n).is_file()
                                     and filecmp.cmp(a / n, b / n, shallow=False))]


def main(doc: str = __doc__, out: Path = OUT, pins: dict = PINS, make_files=None, tool: str = "make_fixtures") -> int:
    """The command line of this script and of make_catboost_fixtures.py: `make_files(folder, versions)`
    writes a fresh set, which replaces `--out` or, with --check, is compared with it byte for byte."""
    make_files = make_files or make
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=out, help="where to write (default: %(default)s)")
    ap.add_argument("--check", action="store_true", help="regenerate into a temp dir and compare with --out")
    ap.add_argument("--any-versions", action="store_true", help="run with unpinned library versions")
    a = ap.parse_args()
    versions = check_versions(a.any_versions, pins, tool)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "fixtures"
        make_files(fresh, versions)
        if a.check:
            diff = differing(a.out, fresh)
            if diff:
                print(f"{tool} --check: these files differ from a fresh run: " + ", ".join(diff), file=sys.stderr)
                return 1
            print(f"{tool} --check: {sum(1 for p in fresh.rglob('*') if p.is_file())} files identical")
            return 0
        if a.out.exists():
            shutil.rmtree(a.out)
        shutil.copytree(fresh, a.out)
    total = sum(p.stat().st_size for p in a.out.rglob("*") if p.is_file())
    print(f"wrote {a.out} ({total / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
