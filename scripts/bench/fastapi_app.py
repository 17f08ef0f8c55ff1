"""Fraud scoring with FastAPI + xgboost: the service a typical MLOps course project ships.

The comparison point for scripts/bench.sh. It scores the same model file fraudscore serves
and answers POST /predict with the same four fields.

Environment:
    FRAUD_MODEL_PATH  XGBoost JSON model (default: models/default/xgb_model.json of this repo);
                      model_meta.json is read from the same folder (features, threshold, version).

Run (scripts/bench/run-fastapi.sh does this with 2 workers, uvloop and httptools):
    uvicorn fastapi_app:app --host 127.0.0.1 --port 18190
"""
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Optional

import numpy as np
import xgboost as xgb
from fastapi import FastAPI
from pydantic import AliasChoices, BaseModel, Field

REPO_ROOT = Path(__file__).resolve().parents[2]
MODEL_PATH = Path(os.environ.get("FRAUD_MODEL_PATH", REPO_ROOT / "models" / "default" / "xgb_model.json"))
META_PATH = MODEL_PATH.parent / "model_meta.json"

with open(META_PATH) as f:
    meta = json.load(f)

FEATURES = meta["features"]
THRESHOLD = float(meta["decision_threshold"])
MODEL_VERSION = meta["model_version"]

booster = xgb.Booster()
booster.load_model(str(MODEL_PATH))
# One thread per prediction: uvicorn already runs one worker process per core.
booster.set_param({"nthread": 1})


class Transaction(BaseModel):
    # the raw transaction
    transaction_id: int = Field(validation_alias=AliasChoices("transaction_id", "tranaction_id"))
    tx_datetime: datetime
    customer_id: int
    terminal_id: int
    tx_amount: float
    tx_time_seconds: Optional[int] = None
    tx_time_days: Optional[int] = None

    # the features the model was trained on (models/default/model_meta.json "features")
    tx_during_weekend: int
    tx_during_night: int
    customer_id_nb_tx_1day_window: int
    customer_id_avg_amount_1day_window: float
    customer_id_nb_tx_7day_window: int
    customer_id_avg_amount_7day_window: float
    customer_id_nb_tx_30day_window: int
    customer_id_avg_amount_30day_window: float
    terminal_id_nb_tx_1day_window: int
    terminal_id_risk_1day_window: float
    terminal_id_nb_tx_7day_window: int
    terminal_id_risk_7day_window: float
    terminal_id_nb_tx_30day_window: int
    terminal_id_risk_30day_window: float


class PredictionResponse(BaseModel):
    transaction_id: int
    fraud_probability: float
    is_fraud: bool
    model_version: str


missing = [name for name in FEATURES if name not in Transaction.model_fields]
if missing:
    raise RuntimeError(f"model expects features the request model lacks: {missing}")

app = FastAPI(title="Fraud scoring (FastAPI + xgboost)")


@app.get("/health")
def health():
    return {"status": "ok", "model_version": MODEL_VERSION}


@app.post("/predict", response_model=PredictionResponse)
def predict(tx: Transaction):
    row = np.array([[getattr(tx, name) for name in FEATURES]], dtype=np.float32)
    probability = float(booster.inplace_predict(row)[0])
    return PredictionResponse(
        transaction_id=tx.transaction_id,
        fraud_probability=probability,
        is_fraud=probability >= THRESHOLD,
        model_version=MODEL_VERSION,
    )
