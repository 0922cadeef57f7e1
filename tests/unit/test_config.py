"""EngineConfig: the seed's defaults, overridable from JSON or TOML, bad values in one line."""

from __future__ import annotations

import pytest

from account_health.domain.config import ConfigError, EngineConfig


def test_seed_defaults():
    c = EngineConfig()
    assert c.health.component_weights == {"feedback": .4, "engagement": .3, "relationship": .2,
                                          "outcome": .1}
    assert c.role_weight("executive_sponsor", True) == 5
    assert c.role_weight("dormant", False) == 0.25
    assert c.role_weight("end_user", True) == 1 and c.role_weight("it_security", True) == 3
    assert (c.health.green_above, c.health.red_below, c.sentiment.nps_threshold) == (80, 60, 7.0)
    assert c.sentiment.window_days == 90


def test_load_json_and_toml(tmp_path):
    js = tmp_path / "c.json"
    js.write_text('{"sentiment": {"window_days": 30}}')
    assert EngineConfig.load(js).sentiment.window_days == 30
    toml = tmp_path / "c.toml"
    toml.write_text("[signals]\ncompetitors = ['Acme Rival']\n")
    assert EngineConfig.load(toml).signals.competitors == ["Acme Rival"]


@pytest.mark.parametrize(("text", "message"), [
    ('{"sentiment": {"window_dayz": 30}}', "sentiment.window_dayz"),
    ('{"health": {"component_weights": {"feedback": 1, "engagement": 1, "relationship": 0, '
     '"outcome": 0}}}', "add up to 1"),
    ("{not json", "not valid JSON"),
    # calibration scales must be ordered
    ('{"health": {"nps_zero_at": 7.5}}', "nps_zero_at < sentiment.nps_threshold"),
    ('{"health": {"issue_rate_full_points": 0.5}}', "issue_rate_full_points must be below"),
])
def test_bad_files_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "c.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        EngineConfig.load(path)


def test_save_round_trip_with_new_weights(tmp_path):
    weights = {"feedback": .25, "engagement": .25, "relationship": .25, "outcome": .25}
    path = tmp_path / "c.json"
    EngineConfig().with_component_weights(weights).save(path)
    assert EngineConfig.load(path).health.component_weights == weights

