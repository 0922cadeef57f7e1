"""The importer's fast path for usage rows gives validate_usage's row, or defers to it."""

from __future__ import annotations

import pytest

from account_health.storage.importer import fast_usage
from account_health.storage.validation import InvalidRecord, validate_usage

CLEAN = {"account_id": "acme", "user_id": "acme-u1", "week": "2025-06-30", "logins": "4",
         "features_used": "3", "new_features_adopted": "0"}


@pytest.mark.parametrize("record", [
    CLEAN,
    {k: v for k, v in CLEAN.items() if k not in ("features_used", "new_features_adopted")},
])
def test_clean_rows_equal_the_validators_row(record: dict[str, str]) -> None:
    fast = fast_usage(record)
    assert fast == validate_usage(record)
    assert list(fast or {}) == list(validate_usage(record))  # same columns, same order


@pytest.mark.parametrize("change", [
    {"week": "2025-07-01"}, {"week": "2025-13-45"}, {"week": "20250630"}, {"logins": "-1"},
    {"logins": "4.0"}, {"logins": " 4"}, {"logins": "٤"}, {"account_id": " acme"},
    {"features_used": "x"},
])
def test_anything_unusual_is_left_to_the_validator(change: dict[str, str]) -> None:
    record = CLEAN | change
    assert fast_usage(record) is None
    try:
        expected = validate_usage(record)
    except InvalidRecord:
        return
    assert expected["account_id"] == "acme"


def test_missing_logins_is_left_to_the_validator() -> None:
    record = {k: v for k, v in CLEAN.items() if k != "logins"}
    assert fast_usage(record) is None
    with pytest.raises(InvalidRecord, match="logins"):
        validate_usage(record)
