"""Does the health score predict renewals? (seed: validatePredictiveValue), and fitted weights.

Pure: the caller computes, for every renewal, the scores as they were N days before it
(default 30) and passes (features, outcome) observations. For each of health, weighted NPS
and comment sentiment: AUC, point-biserial correlation with the outcome (retained = 1), and
the accuracy of "retained when the score is at or above its cutoff".

`fit_weights` goes past the seed: an L2-regularised logistic regression over the four
component scores, its strength chosen by cross-validation, and its own AUC measured out of
fold (nested), beside the AUC of the seed's 40/30/20/10 weights on the same renewals.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from pydantic import BaseModel

from account_health.domain.config import EngineConfig
from account_health.domain.health import COMPONENTS


@dataclass(frozen=True, slots=True)
class Observation:
    """One renewal and the scores as they were N days before it."""

    account_id: str
    renewal_date: date
    retained: bool
    health: float | None
    nps: float | None  # weighted NPS, 0-10
    sentiment: float | None  # average comment sentiment, -1..1
    components: dict[str, float] = field(default_factory=dict)


class MetricResult(BaseModel):
    n: int  # renewals with a value for this score
    auc: float | None
    correlation: float | None  # point-biserial: Pearson between the score and retained (1/0)
    accuracy: float | None
    cutoff: float


class BacktestResult(BaseModel):
    renewals: int
    retained: int
    churned: int
    days_before: int
    health: MetricResult
    nps: MetricResult
    sentiment: MetricResult


class FitResult(BaseModel):
    renewals: int
    folds: int
    seed_weights: dict[str, float]
    seed_auc: float | None
    fitted_weights: dict[str, float]
    fitted_auc: float | None  # out of fold: an honest estimate, not the in-sample fit
    regularisation_c: float
    note: str | None = None


class BacktestError(ValueError):
    """Too few renewals (or only one outcome) to measure anything."""


def _auc(y: np.ndarray, scores: np.ndarray) -> float | None:
    # scikit-learn is imported where it is used: ~100 MiB that engine runs never need
    from sklearn.metrics import roc_auc_score

    if len(set(y.tolist())) < 2:
        return None
    return round(float(roc_auc_score(y, scores)), 3)


def _point_biserial(y: np.ndarray, scores: np.ndarray) -> float | None:
    if len(y) < 2 or np.std(y) == 0 or np.std(scores) == 0:
        return None
    return round(float(np.corrcoef(scores, y)[0, 1]), 3)


def measure(pairs: Sequence[tuple[float, bool]], cutoff: float) -> MetricResult:
    """AUC, point-biserial correlation and accuracy of one score against the outcomes."""
    if not pairs:
        return MetricResult(n=0, auc=None, correlation=None, accuracy=None, cutoff=cutoff)
    scores = np.array([p[0] for p in pairs], dtype=float)
    y = np.array([1 if p[1] else 0 for p in pairs])
    accuracy = float(np.mean((scores >= cutoff).astype(int) == y))
    return MetricResult(n=len(pairs), auc=_auc(y, scores), correlation=_point_biserial(y, scores),
                        accuracy=round(accuracy, 3), cutoff=cutoff)


def evaluate(
    observations: Sequence[Observation], config: EngineConfig, days_before: int
) -> BacktestResult:
    cfg = config.backtest
    retained = sum(1 for o in observations if o.retained)

    def pairs(attr: str) -> list[tuple[float, bool]]:
        return [(getattr(o, attr), o.retained) for o in observations
                if getattr(o, attr) is not None]

    return BacktestResult(
        renewals=len(observations), retained=retained, churned=len(observations) - retained,
        days_before=days_before,
        health=measure(pairs("health"), cfg.health_cutoff),
        nps=measure(pairs("nps"), cfg.nps_cutoff),
        sentiment=measure(pairs("sentiment"), cfg.sentiment_cutoff),
    )


def fit_weights(observations: Sequence[Observation], config: EngineConfig) -> FitResult:
    """Fit the four component weights to the renewal history."""
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    cfg = config.backtest
    rows = [o for o in observations if all(name in o.components for name in COMPONENTS)]
    y = np.array([1 if o.retained else 0 for o in rows])
    churned, kept = int((y == 0).sum()), int((y == 1).sum())
    folds = min(cfg.fit_folds, churned, kept)
    if folds < 2:
        raise BacktestError(
            f"need at least 2 renewals of each outcome to fit weights; have {kept} retained "
            f"and {churned} churned")
    x = np.array([[o.components[name] / 100 for name in COMPONENTS] for o in rows])
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=cfg.fit_seed)
    model = LogisticRegressionCV(Cs=10, cv=splitter, scoring="roc_auc", max_iter=1000)
    with warnings.catch_warnings():  # scikit-learn 1.9 announces API changes we do not rely on
        warnings.simplefilter("ignore", FutureWarning)
        out_of_fold = cross_val_predict(model, x, y, cv=splitter, method="predict_proba")[:, 1]
        model.fit(x, y)
    coef = np.maximum(model.coef_[0], 0.0)
    seed = dict(config.health.component_weights)
    note = None
    if coef.sum() <= 0:
        fitted = dict(seed)
        note = "no component predicted renewal positively; the seed weights are kept"
    else:
        fitted = {name: round(float(c / coef.sum()), 3)
                  for name, c in zip(COMPONENTS, coef, strict=True)}
        fitted[COMPONENTS[0]] = round(1 - sum(fitted[n] for n in COMPONENTS[1:]), 3)
        if any(c < 0 for c in model.coef_[0]):
            note = "components with a negative coefficient get weight 0"
    seed_scores = x @ np.array([seed[name] for name in COMPONENTS])
    return FitResult(
        renewals=len(rows), folds=folds, seed_weights=seed, seed_auc=_auc(y, seed_scores),
        fitted_weights=fitted, fitted_auc=_auc(y, out_of_fold),
        regularisation_c=round(float(model.C_[0]), 4), note=note,
    )
