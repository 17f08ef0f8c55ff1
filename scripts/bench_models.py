#!/usr/bin/env python3
"""Evaluation speed of the reference models in XGBoost, LightGBM, CatBoost and onnxruntime themselves
(one thread), and optionally in fraudscore (`fraudscore bench-model`), with the ratios between them.

Usage:
    ./scripts/test.sh   # once: makes .venv/ with tests/requirements.txt
    .venv/bin/python scripts/bench_models.py                                   # the libraries only
    .venv/bin/python scripts/bench_models.py --fraudscore-bin .build/release/fraudscore

Options: --fixtures DIR (default tests/fixtures, made by scripts/make_fixtures.py),
--calls N single-row calls (default 5000, at least 2000), --batch N rows per batch (default 10000),
--repeats N batch timings, the best is kept (default 5), --models NAME... (default xgb_model.json
lgbm_model.txt rf.onnx lr_pipeline.onnx catboost_model.cbm), --no-check (skip comparing the libraries'
batch output with the golden file).

What is measured, on DIR/models/{xgb_model.json, lgbm_model.txt, …} and the rows of
DIR/golden/golden_test_2000.jsonl (features in models/features.json order, null -> NaN), and on
DIR/catboost/catboost_model.{cbm,json} with the rows of DIR/catboost/golden_catboost.jsonl (20% of
their values missing; scripts/make_catboost_fixtures.py):
- single_us: the median over --calls calls of predicting one row (a 1-row array), in microseconds;
  XGBoost: `booster.set_param({"nthread": 1})` then `inplace_predict(row_float32)`;
  LightGBM: `booster.predict(row_float64, num_threads=1)`; CatBoost:
  `model.predict(row_float64, prediction_type="Probability", thread_count=1)`; onnxruntime: a session with one intra-
  and inter-op thread, `run(["probabilities"], {X: row_float32})`. All include the Python binding's
  per-call overhead, which is what a Python service pays.
- batch_rows_per_s: a --batch-row array (the golden rows tiled), best of --repeats, rows per second.

Output, one line per measurement:
    RESULT lib=xgboost model=xgb_model.json single_us=… batch_rows_per_s=…
    RESULT lib=lightgbm model=lgbm_model.txt single_us=… batch_rows_per_s=…
With --fraudscore-bin PATH, for each model it also runs
    PATH bench-model --model MODEL --rows GOLDEN_JSONL --batch N
passes its `RESULT lib=fraudscore …` line through and prints
    RATIO model=… fraudscore/LIB batch=…x single_us fraudscore=… lib=…
    TARGET model=… single_us<=1:met|missed batch>=5x:met|missed
(the targets, for the 200-tree models: XGBoost single row <= 1 µs and batch >= 5x the library;
LightGBM <= 2 µs and >= 2x).
Exit status: 0, or 1 if fraudscore's bench-model failed or printed no RESULT line (the library
figures are printed all the same), 2 for bad arguments or missing files.
"""
import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_FIXTURES = REPO / "tests" / "fixtures"
LIBS = {"xgb_model.json": "xgboost", "xgb_model.ubj": "xgboost", "lgbm_model.txt": "lightgbm",
        "rf.onnx": "onnxruntime", "lr_pipeline.onnx": "onnxruntime",
        "catboost_model.cbm": "catboost", "catboost_model.json": "catboost"}
GOLDEN_KEY = {"xgb_model.json": "xgb_prob", "xgb_model.ubj": "xgb_prob", "lgbm_model.txt": "lgbm_prob",
              "rf.onnx": "onnx_rf_prob", "lr_pipeline.onnx": "onnx_lr_prob",
              "catboost_model.cbm": "catboost_model_prob", "catboost_model.json": "catboost_model_prob"}


# Per library: the most microseconds a single row may take in fraudscore, the least batch ratio.
TARGETS = {"xgboost": (1, 5), "lightgbm": (2, 2)}


def model_path(fixtures, name):
    return fixtures / ("catboost" if LIBS[name] == "catboost" else "models") / name


def golden_path(fixtures, name):
    return fixtures / ("catboost/golden_catboost.jsonl" if LIBS[name] == "catboost" else "golden/golden_test_2000.jsonl")


def load_rows(golden, features):
    """The rows (features by name at the top level, or in a line's "request") and the golden outputs."""
    rows, golden_out = [], {k: [] for k in set(GOLDEN_KEY.values())}
    with open(golden) as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            fields = d.get("request", d)
            rows.append([np.nan if fields.get(name) is None else float(fields[name]) for name in features])
            for k in golden_out:
                golden_out[k].append(d.get(k))
    return np.array(rows, dtype=np.float64), golden_out


def flat_rows(X, features, path):
    """X as JSON lines of features by name (null for NaN), the form `fraudscore bench-model` reads."""
    with open(path, "w") as f:
        for row in X:
            f.write(json.dumps({n: None if np.isnan(v) else float(v) for n, v in zip(features, row)}) + "\n")


class XGBoostRunner:
    lib = "xgboost"

    def __init__(self, path, features):
        import xgboost as xgb
        self.booster = xgb.Booster(model_file=str(path))
        self.booster.set_param({"nthread": 1})
        names = self.booster.feature_names
        if names is not None and list(names) != list(features):
            raise SystemExit(f"{path.name}: feature names differ from features.json: {names}")

    def prepare(self, X):
        return np.ascontiguousarray(X, dtype=np.float32)

    def predict(self, X):
        return self.booster.inplace_predict(X)


class LightGBMRunner:
    lib = "lightgbm"

    def __init__(self, path, features):
        import lightgbm as lgb
        self.booster = lgb.Booster(model_file=str(path))
        names = self.booster.feature_name()
        if list(names) != list(features):
            raise SystemExit(f"{path.name}: feature names differ from features.json: {names}")

    def prepare(self, X):
        return np.ascontiguousarray(X, dtype=np.float64)

    def predict(self, X):
        return self.booster.predict(X, num_threads=1)


class ONNXRuntimeRunner:
    lib = "onnxruntime"

    def __init__(self, path, features):
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name
        outputs = [o.name for o in self.session.get_outputs()]
        self.output = "probabilities" if "probabilities" in outputs else outputs[-1]

    def prepare(self, X):
        return np.ascontiguousarray(X, dtype=np.float32)

    def predict(self, X):
        out = self.session.run([self.output], {self.input: X})[0]
        return np.asarray(out)[:, 1] if np.ndim(out) == 2 else np.array([r[1] for r in out])


class CatBoostRunner:
    lib = "catboost"

    def __init__(self, path, features):
        import catboost
        self.model = catboost.CatBoost().load_model(str(path), format="json" if path.suffix == ".json" else "cbm")
        if list(self.model.feature_names_) != list(features):
            raise SystemExit(f"{path.name}: feature names differ from features.json: {self.model.feature_names_}")

    def prepare(self, X):
        return np.ascontiguousarray(X, dtype=np.float64)

    def predict(self, X):
        return self.model.predict(X, prediction_type="Probability", thread_count=1)[:, 1]


RUNNERS = {"xgboost": XGBoostRunner, "lightgbm": LightGBMRunner, "onnxruntime": ONNXRuntimeRunner,
           "catboost": CatBoostRunner}


def bench_library(runner, X, calls, batch, repeats):
    # Single row: one 1-row array per call, prepared outside the timed region.
    singles = [runner.prepare(X[i:i + 1]) for i in range(len(X))]
    for r in singles[:200]:  # warm-up
        runner.predict(r)
    timings = []
    clock = time.perf_counter_ns
    for c in range(calls):
        r = singles[c % len(singles)]
        t0 = clock()
        runner.predict(r)
        timings.append(clock() - t0)
    single_us = statistics.median(timings) / 1e3

    reps = -(-batch // len(X))
    B = runner.prepare(np.tile(X, (reps, 1))[:batch])
    runner.predict(B)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        runner.predict(B)
        best = min(best, time.perf_counter() - t0)
    return single_us, batch / best


def parse_result(line):
    fields = dict(tok.split("=", 1) for tok in line.split()[1:] if "=" in tok)
    return fields


def run_fraudscore(binary, model, golden, batch):
    cmd = [binary, "bench-model", "--model", str(model), "--rows", str(golden), "--batch", str(batch)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    except FileNotFoundError:
        return None, f"{binary}: no such executable"
    except subprocess.TimeoutExpired:
        return None, f"`{shlex.join(cmd)}` did not finish in 900 s"
    results = [l for l in out.stdout.splitlines() if l.startswith("RESULT ") and "lib=fraudscore" in l]
    if out.returncode != 0 or not results:
        detail = (out.stderr.strip() or out.stdout.strip() or "(no output)").splitlines()
        hint = ""
        if any(w in " ".join(detail).lower() for w in ("unexpected argument", "unknown", "invalid", "usage")):
            hint = " (does this binary have the bench-model subcommand yet? rebuild it)"
        return None, (f"`{shlex.join(cmd)}` exited {out.returncode} without a RESULT line{hint}:\n    "
                      + "\n    ".join(detail[:8]))
    return results[-1], None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    ap.add_argument("--models", nargs="+",
                    default=["xgb_model.json", "lgbm_model.txt", "rf.onnx", "lr_pipeline.onnx", "catboost_model.cbm"])
    ap.add_argument("--calls", type=int, default=5000)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--fraudscore-bin")
    ap.add_argument("--no-check", action="store_true", help="skip comparing the libraries with the golden file")
    args = ap.parse_args()
    if args.calls < 2000:
        ap.error("--calls must be at least 2000")

    models_dir = args.fixtures / "models"
    unknown = [m for m in args.models if m not in LIBS]
    if unknown:
        ap.error(f"unknown model {unknown}: choose from {sorted(LIBS)}")
    for p in (models_dir / "features.json", *(golden_path(args.fixtures, m) for m in args.models),
              *(model_path(args.fixtures, m) for m in args.models)):
        if not p.exists():
            print(f"missing {p} (run scripts/make_fixtures.py and make_catboost_fixtures.py, or see --fixtures)",
                  file=sys.stderr)
            return 2
    features = json.loads((models_dir / "features.json").read_text())
    tmp = tempfile.TemporaryDirectory()
    rows = {}  # golden file -> (X, golden outputs, the rows as bench-model reads them)
    for name in args.models:
        golden = golden_path(args.fixtures, name)
        if golden not in rows:
            X, golden_out = load_rows(golden, features)
            flat = Path(tmp.name) / (golden.stem + ".rows.jsonl")
            flat_rows(X, features, flat)
            rows[golden] = (X, golden_out, flat)

    lib_results = {}
    for name in args.models:
        X, golden_out, _ = rows[golden_path(args.fixtures, name)]
        runner = RUNNERS[LIBS[name]](model_path(args.fixtures, name), features)
        if not args.no_check:
            got = runner.predict(runner.prepare(X))
            want = golden_out[GOLDEN_KEY[name]]
            if None not in want:
                got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
                exact = int(np.sum(got == want))
                print(f"# {runner.lib} {name}: {exact}/{len(X)} predictions equal golden {GOLDEN_KEY[name]}, "
                      f"max difference {np.max(np.abs(got - want)):.3g}", file=sys.stderr)
        single_us, rows_per_s = bench_library(runner, X, args.calls, args.batch, args.repeats)
        lib_results[name] = (runner.lib, single_us, rows_per_s)
        print(f"RESULT lib={runner.lib} model={name} single_us={single_us:.3f} batch_rows_per_s={rows_per_s:.0f}",
              flush=True)

    if not args.fraudscore_bin:
        return 0
    status = 0
    for name in args.models:
        line, error = run_fraudscore(args.fraudscore_bin, model_path(args.fixtures, name),
                                     rows[golden_path(args.fixtures, name)][2], args.batch)
        if error:
            print(f"fraudscore bench-model failed for {name}: {error}", file=sys.stderr)
            status = 1
            continue
        print(line, flush=True)
        fs = parse_result(line)
        lib, lib_single, lib_batch = lib_results[name]
        try:
            fs_single, fs_batch = float(fs["single_us"]), float(fs["batch_rows_per_s"])
        except (KeyError, ValueError):
            print(f"fraudscore bench-model for {name}: cannot read single_us/batch_rows_per_s in {line!r}",
                  file=sys.stderr)
            status = 1
            continue
        ratio = fs_batch / lib_batch
        print(f"RATIO model={name} fraudscore/{lib} batch={ratio:.2f}x "
              f"single_us fraudscore={fs_single:.3f} lib={lib_single:.3f}")
        if lib in TARGETS:  # onnxruntime and catboost are reported for comparison
            most_us, least_ratio = TARGETS[lib]
            print(f"TARGET model={name} single_us<={most_us}:{'met' if fs_single <= most_us else 'missed'} "
                  f"batch>={least_ratio}x:{'met' if ratio >= least_ratio else 'missed'}", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
