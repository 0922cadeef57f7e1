"""Predictive value (seed: validatePredictiveValue) and fitted weights, hand-computed."""

from __future__ import annotations

import random
from datetime import date

import pytest

from account_health.domain.backtest import (
    BacktestError,
    Observation,
    evaluate,
    fit_weights,
    measure,
)
from account_health.domain.config import DEFAULT_CONFIG


def test_auc_correlation_accuracy_by_hand():
    # positives score 2 and 4, negatives 1 and 3: 3 of 4 pairs ordered right -> AUC 0.75
    m = measure([(1, False), (2, True), (3, False), (4, True)], cutoff=2.5)
    assert m.auc == 0.75
    assert m.accuracy == 0.5  # predicted [0, 0, 1, 1] against [0, 1, 0, 1]
    assert m.correlation == pytest.approx(0.447, abs=1e-3)  # Pearson of [1,2,3,4] with [0,1,0,1]
    assert measure([], 1).n == 0


def _obs(health, retained, nps=None, sentiment=None, components=None):
    return Observation("a", date(2025, 1, 1), retained, health, nps, sentiment, components or {})


def test_evaluate_scores_each_measure_separately():
    observations = [_obs(80, True, 9, 0.5), _obs(40, False, 8, -0.2), _obs(70, True, None, 0.1)]
    result = evaluate(observations, DEFAULT_CONFIG, 30)
    assert (result.renewals, result.retained, result.churned) == (3, 2, 1)
    assert result.health.auc == 1.0 and result.health.accuracy == pytest.approx(1.0)
    assert result.nps.n == 2  # a missing NPS is left out, not counted as zero
    assert result.sentiment.auc == 1.0


def test_fit_finds_the_component_that_predicts():
    rng = random.Random(0)
    observations = []
    for _ in range(200):
        engagement = rng.uniform(0, 100)
        retained = engagement + rng.gauss(0, 15) > 50
        parts = {"feedback": rng.uniform(0, 100), "engagement": engagement,
                 "relationship": rng.uniform(0, 100), "outcome": rng.uniform(0, 100)}
        observations.append(_obs(50, retained, components=parts))
    fit = fit_weights(observations, DEFAULT_CONFIG)
    assert max(fit.fitted_weights, key=fit.fitted_weights.get) == "engagement"
    assert sum(fit.fitted_weights.values()) == pytest.approx(1.0, abs=1e-6)
    assert fit.fitted_auc > fit.seed_auc


def test_fit_needs_both_outcomes():
    parts = dict.fromkeys(("feedback", "engagement", "relationship", "outcome"), 50.0)
    with pytest.raises(BacktestError, match="each outcome"):
        fit_weights([_obs(50, True, components=parts)] * 10, DEFAULT_CONFIG)
