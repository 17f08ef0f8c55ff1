#!/usr/bin/env python3
"""Make tests/fixtures/catboost/: CatBoost models trained on the handbook data and golden rows holding
catboost's own predictions, most of them with missing values.

    .venv/bin/python scripts/make_catboost_fixtures.py            # rewrite tests/fixtures/catboost/
    .venv/bin/python scripts/make_catboost_fixtures.py --check    # regenerate into a temp dir, compare bytes

scripts/make_fixtures.py makes this folder too (with every other fixture, and checks it with --check);
this script remakes or checks just it. The data is scripts/make_fixtures.py's (same seed, same split); 10% of the training values and 20%
of the golden rows' values are made missing (NaN), so the models learn NaN borders and the golden
rows take them. What it writes:

  catboost_model.json, .cbm, .onnx   CatBoostClassifier, Logloss, nan_mode Min (catboost's default),
                                     200 oblivious trees of depth 6; the same model in catboost's JSON,
                                     its default binary format and ONNX
  catboost_max.json, .cbm            CatBoostClassifier, CrossEntropy, nan_mode Max, 100 trees of depth 4
  catboost_forbidden.json, .cbm      CatBoostRegressor, RMSE (raw output, a bias from the mean),
                                     nan_mode Forbidden, trained without missing values, 60 trees of depth 5
  golden_catboost.jsonl              2,000 rows: the `request` a client sends for the row (its
                                     features by name, null = missing) and each model's prediction (predict_proba / RawFormulaVal) at full precision;
                                     `onnx_prob` (onnxruntime) on rows without missing values
  meta.json                          versions, parameters and sha256 of the model files

catboost stamps every saved model with a fresh model_guid and train_finish_time; both are fixed
(the model is saved as JSON, the two fields set, and the JSON loaded back and saved in each
format), so the files are byte-identical run to run with the pinned versions.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
import make_fixtures  # noqa: E402  (the handbook data, the golden rows and the request fields)

OUT = REPO / "tests" / "fixtures" / "catboost"
SEED = make_fixtures.SEED
FEATURES = make_fixtures.FEATURES
PINS = {"catboost": "1.2.10", "numpy": "2.4.6", "pandas": "3.1.1", "onnxruntime": "1.31.1"}

MODELS = {
    "catboost_model": dict(cls="CatBoostClassifier", loss_function="Logloss", nan_mode="Min", iterations=200, depth=6,
                           learning_rate=0.1, formats=("json", "cbm", "onnx"), missing=True),
    "catboost_max": dict(cls="CatBoostClassifier", loss_function="CrossEntropy", nan_mode="Max", iterations=100,
                         depth=4, learning_rate=0.2, formats=("json", "cbm"), missing=True),
    "catboost_forbidden": dict(cls="CatBoostRegressor", loss_function="RMSE", nan_mode="Forbidden", iterations=60,
                               depth=5, learning_rate=0.2, formats=("json", "cbm"), missing=False),
}


def with_missing(X: np.ndarray, rate: float, seed: int) -> np.ndarray:
    X = X.copy()
    X[np.random.default_rng(seed).random(X.shape) < rate] = np.nan
    return X


def train(name: str, spec: dict, X, Xmissing, y, out: Path):
    import catboost
    params = {k: v for k, v in spec.items() if k not in ("cls", "formats", "missing")}
    model = getattr(catboost, spec["cls"])(**params, random_seed=SEED, thread_count=1, verbose=0,
                                           allow_writing_files=False)
    model.fit(catboost.Pool(Xmissing if spec["missing"] else X, y, feature_names=FEATURES))
    raw_json = out / f"{name}.tmp.json"
    model.save_model(str(raw_json), format="json")
    doc = json.loads(raw_json.read_text())
    raw_json.unlink()
    doc["model_info"]["model_guid"] = hashlib.md5(name.encode()).hexdigest()
    doc["model_info"]["train_finish_time"] = "2018-06-01T00:00:00Z"
    (out / f"{name}.json").write_text(json.dumps(doc))
    fixed = catboost.CatBoost()
    fixed.load_model(str(out / f"{name}.json"), format="json")
    for fmt in spec["formats"]:
        if fmt == "cbm":
            fixed.save_model(str(out / f"{name}.cbm"))
        elif fmt == "onnx":
            fixed.save_model(str(out / f"{name}.onnx"), format="onnx",
                             export_parameters={"onnx_domain": "ai.catboost", "onnx_model_version": 1})
    fixed.save_model(str(out / f"{name}.json"), format="json")
    return fixed, params


def make(out: Path, versions: dict) -> None:
    out.mkdir(parents=True)
    train_rows, test = make_fixtures.dataset()
    X = train_rows[FEATURES].to_numpy(dtype=np.float64)
    y = train_rows.tx_fraud.to_numpy()
    golden = make_fixtures.pick_golden(test, test.tx_fraud.to_numpy())
    G = golden[FEATURES].to_numpy(dtype=np.float64)
    Gmissing = with_missing(G, 0.2, SEED + 1)
    # The first 200 golden rows keep every value, so the ONNX export is compared on them too.
    Gmissing[:200] = G[:200]

    predictions, params = {}, {}
    for name, spec in MODELS.items():
        model, params[name] = train(name, spec, X, with_missing(X, 0.1, SEED), y, out)
        kind = "Probability" if spec["cls"] == "CatBoostClassifier" else "RawFormulaVal"
        if kind == "Probability":
            predictions[name + "_prob"] = model.predict(Gmissing, prediction_type="Probability")[:, 1]
        predictions[name + "_raw"] = model.predict(Gmissing, prediction_type="RawFormulaVal")
    onnx_prob = make_fixtures.onnx_probabilities(out / "catboost_model.onnx", Gmissing[:200].astype(np.float32))

    with (out / "golden_catboost.jsonl").open("w") as fh:
        for i, row in enumerate(golden.itertuples(index=False)):
            request = make_fixtures.request_fields(row)
            for name, value in zip(FEATURES, Gmissing[i]):
                if np.isnan(value):
                    request[name] = None
            line = {"request": request}
            line.update({key: float(values[i]) for key, values in predictions.items()})
            line["onnx_prob"] = float(onnx_prob[i]) if i < 200 else None
            fh.write(json.dumps(line) + "\n")

    files = sorted(p.name for p in out.iterdir() if p.suffix in (".json", ".cbm", ".onnx"))
    meta = {"features": FEATURES, "data": "scripts/make_fixtures.py dataset(), seed %d" % SEED,
            "missing": {"training": 0.1, "golden": 0.2, "golden_complete_rows": 200},
            "params": params,
            "files": {f: {"sha256": hashlib.sha256((out / f).read_bytes()).hexdigest(),
                          "bytes": (out / f).stat().st_size} for f in files},
            "versions": {name: versions[name] for name in PINS if name in versions}}
    (out / "meta.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")


if __name__ == "__main__":
    sys.exit(make_fixtures.main(__doc__, OUT, PINS, make, "make_catboost_fixtures"))
