"""The portfolio generator: deterministic, valid for the import contract, telling stories."""

from __future__ import annotations

import csv
import json
import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from account_health.domain.models import (
    FeedbackKind,
    OutcomeKind,
    RenewalOutcome,
    Role,
    TouchpointKind,
)
from account_health.generator import (
    COMPETITORS,
    FILES,
    TRUTH_DIR,
    TRUTH_FILE,
    Trajectory,
    generate_portfolio,
)

AS_OF = date(2026, 1, 15)
SEED_ACCOUNTS = {
    "acme-corp": 240_000,
    "beta-inc": 180_000,
    "gamma-llc": 165_000,
    "delta-co": 150_000,
    "epsilon-ltd": 140_000,
}


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("portfolio")
    generate_portfolio(out, accounts=80, seed=7, as_of=AS_OF)
    return out


def read_csv(folder: Path, name: str) -> list[dict[str, str]]:
    with open(folder / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_feedback(folder: Path) -> list[dict[str, Any]]:
    with open(folder / "feedback.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def moment(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None, value
    return parsed


def day_of(value: str) -> date:
    return moment(value).date() if "T" in value else date.fromisoformat(value)


def truth(folder: Path) -> dict[str, dict[str, str]]:
    return {row["account_id"]: row for row in read_csv(folder / TRUTH_DIR, TRUTH_FILE)}


# --- determinism --------------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate_portfolio(first, accounts=30, seed=11, as_of=AS_OF)
    generate_portfolio(second, accounts=30, seed=11, as_of=AS_OF)
    generate_portfolio(other, accounts=30, seed=12, as_of=AS_OF)
    for name in [*FILES, f"{TRUTH_DIR}/{TRUTH_FILE}"]:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert (first / "feedback.jsonl").read_bytes() != (other / "feedback.jsonl").read_bytes()
    assert (first / "users.csv").read_bytes() != (other / "users.csv").read_bytes()


def test_summary_counts_the_rows_written(tmp_path: Path) -> None:
    summary = generate_portfolio(tmp_path, accounts=12, seed=3, as_of=AS_OF)
    assert summary.rows["accounts.csv"] == 12
    assert summary.rows["users.csv"] == len(read_csv(tmp_path, "users.csv"))
    assert summary.rows["usage.csv"] == len(read_csv(tmp_path, "usage.csv"))
    assert summary.rows["feedback.jsonl"] == len(read_feedback(tmp_path))
    assert summary.total_rows == sum(summary.rows.values())
    assert summary.elapsed_seconds > 0
    assert not list(tmp_path.glob("*.partial"))


def test_rejects_an_empty_portfolio(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        generate_portfolio(tmp_path, accounts=0)


# --- the seed's accounts and the stakeholder mix ----------------------------------------------


def test_seed_accounts_are_present_with_their_arr(portfolio: Path) -> None:
    accounts = {row["account_id"]: row for row in read_csv(portfolio, "accounts.csv")}
    for account_id, arr in SEED_ACCOUNTS.items():
        assert float(accounts[account_id]["arr"]) == arr
        assert date.fromisoformat(accounts[account_id]["renewal_date"]) > AS_OF
    assert accounts["acme-corp"]["name"] == "Acme Corp"
    stories = truth(portfolio)
    assert stories["beta-inc"]["trajectory"] == Trajectory.EXPANDING
    assert stories["gamma-llc"]["trajectory"] == Trajectory.CHAMPION_LEAVING
    assert stories["delta-co"]["trajectory"] == Trajectory.HEALTHY


def test_a_small_portfolio_starts_with_the_seed_accounts(tmp_path: Path) -> None:
    generate_portfolio(tmp_path, accounts=3, seed=1, as_of=AS_OF)
    ids = [row["account_id"] for row in read_csv(tmp_path, "accounts.csv")]
    assert ids == ["acme-corp", "beta-inc", "gamma-llc"]


def test_every_role_appears_and_each_account_has_sponsor_and_champion(portfolio: Path) -> None:
    users = read_csv(portfolio, "users.csv")
    assert {row["role"] for row in users} == {role.value for role in Role}
    roles_by_account: dict[str, list[str]] = defaultdict(list)
    for row in users:
        roles_by_account[row["account_id"]].append(row["role"])
    for account_id, roles in roles_by_account.items():
        assert roles.count("executive_sponsor") == 1, account_id
        assert 1 <= roles.count("champion") <= 3, account_id


def test_arr_is_long_tailed_and_seats_follow_arr(tmp_path: Path) -> None:
    generate_portfolio(tmp_path, accounts=200, seed=5, as_of=AS_OF)
    accounts = read_csv(tmp_path, "accounts.csv")[5:]
    arrs = sorted(float(row["arr"]) for row in accounts)
    assert 15_000 <= statistics.median(arrs) <= 60_000
    assert arrs[-1] >= 150_000 and statistics.mean(arrs) > statistics.median(arrs)
    for row in accounts:
        per_seat = float(row["arr"]) / int(row["users_licensed"])
        assert 300 <= per_seat <= 6_000, row
        assert row["segment"] in {"enterprise", "mid-market", "smb"}


# --- every row is valid for the import contract ------------------------------------------------


def test_accounts_and_users_are_valid(portfolio: Path) -> None:
    accounts = read_csv(portfolio, "accounts.csv")
    ids = [row["account_id"] for row in accounts]
    assert len(ids) == len(set(ids)) == 80
    for row in accounts:
        assert (
            row["name"]
            and float(row["arr"]) > 0
            and float(row["contract_value"]) >= float(row["arr"])
        )
        assert row["csm"].startswith("U0CSM") and row["channel"].startswith("C")
        date.fromisoformat(row["renewal_date"])
    users = read_csv(portfolio, "users.csv")
    assert len({row["user_id"] for row in users}) == len(users)
    for row in users:
        assert row["account_id"] in ids and row["name"] and "@" in row["email"]
        assert row["active"] in {"true", "false"}
        for field in ("last_login", "left_at"):
            if row[field]:
                assert moment(row[field]).date() <= AS_OF
        if row["left_at"]:
            assert row["active"] == "false"


def test_feedback_rows_are_valid_in_both_shapes(portfolio: Path) -> None:
    users = {row["user_id"]: row for row in read_csv(portfolio, "users.csv")}
    records = read_feedback(portfolio)
    assert len({record["id"] for record in records}) == len(records)
    kinds = {kind.value for kind in FeedbackKind}
    seen = set()
    for record in records:
        assert moment(record["submittedAt"]).date() <= AS_OF
        content = record["content"]
        assert content["type"] in kinds
        seen.add(content["type"])
        if "respondent" in record:
            assert users[record["respondent"]["userId"]]["role"] == record["respondent"]["role"]
            for key in ("overallSatisfaction", "renewalLikelihood"):
                assert 1 <= content[key] <= 5
            assert content["expansionInterest"] in {"yes", "no", "maybe"}
            assert all(isinstance(text, str) and text for text in content["concerns"])
            assert record["context"]["usersLicensed"] > 0
        else:
            assert users[record["userId"]]["account_id"] == record["accountId"]
            assert record["role"] == users[record["userId"]]["role"]
            if content["type"] == "nps":
                assert 0 <= content["score"] <= 10 and isinstance(content["score"], int)
            elif content["type"] in ("bug_report", "enhancement_request"):
                assert content["comment"] and "score" not in content
            else:
                assert 1 <= content["score"] <= 5
    assert seen == kinds


def test_usage_touchpoints_outcomes_and_renewals_are_valid(portfolio: Path) -> None:
    users = {row["user_id"]: row for row in read_csv(portfolio, "users.csv")}
    usage = read_csv(portfolio, "usage.csv")
    weeks = {row["week"] for row in usage}
    assert all(date.fromisoformat(week).weekday() == 0 for week in weeks)
    assert 50 <= len(weeks) <= 53 and max(date.fromisoformat(w) for w in weeks) <= AS_OF
    for row in usage:
        assert users[row["user_id"]]["account_id"] == row["account_id"]
        assert int(row["logins"]) >= 1 and int(row["features_used"]) >= 1
        assert int(row["new_features_adopted"]) >= 0
    touch_kinds = {kind.value for kind in TouchpointKind}
    touchpoints = read_csv(portfolio, "touchpoints.csv")
    assert {row["kind"] for row in touchpoints} == touch_kinds
    for row in touchpoints:
        assert day_of(row["at"]) <= AS_OF
        if row["user_id"]:
            assert users[row["user_id"]]["account_id"] == row["account_id"]
        if row["sentiment"]:
            assert -1 <= float(row["sentiment"]) <= 1
        if row["response_hours"]:
            assert float(row["response_hours"]) > 0
    outcome_kinds = {kind.value for kind in OutcomeKind}
    for row in read_csv(portfolio, "outcomes.csv"):
        assert row["kind"] in outcome_kinds and day_of(row["at"]) <= AS_OF
    renewals = read_csv(portfolio, "renewals.csv")
    assert {row["outcome"] for row in renewals} <= {o.value for o in RenewalOutcome}
    assert "churned" in {row["outcome"] for row in renewals}
    for row in renewals:
        assert AS_OF - timedelta(days=365) < date.fromisoformat(row["date"]) <= AS_OF
        assert float(row["arr_after"]) >= 0


# --- the stories ---------------------------------------------------------------------------------


def _per_renewal_evidence(folder: Path) -> list[dict[str, Any]]:
    """For each past renewal: what a CSM would have seen 30 days before it."""
    usage: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for row in read_csv(folder, "usage.csv"):
        usage[row["account_id"]].append((date.fromisoformat(row["week"]), int(row["logins"])))
    escalations: dict[str, list[date]] = defaultdict(list)
    for row in read_csv(folder, "touchpoints.csv"):
        if row["kind"] == "support_escalation":
            escalations[row["account_id"]].append(day_of(row["at"]))
    texts: dict[str, list[tuple[date, str]]] = defaultdict(list)
    for record in read_feedback(folder):
        content = record["content"]
        words = " ".join([content.get("comment") or "", *content.get("concerns", [])]).lower()
        texts[record["accountId"]].append((day_of(record["submittedAt"]), words))
    evidence = []
    for row in read_csv(folder, "renewals.csv"):
        account, cut = row["account_id"], date.fromisoformat(row["date"]) - timedelta(days=30)
        recent = sum(n for week, n in usage[account] if cut - timedelta(days=28) < week <= cut)
        earlier = sum(
            n
            for week, n in usage[account]
            if cut - timedelta(days=140) < week <= cut - timedelta(days=112)
        )
        said = " ".join(t for day, t in texts[account] if cut - timedelta(days=120) < day <= cut)
        evidence.append(
            {
                "churned": row["outcome"] == "churned",
                "usage_ratio": recent / max(1, earlier),
                "escalations": sum(
                    1 for d in escalations[account] if cut - timedelta(90) < d <= cut
                ),
                "alarm_words": any(
                    w in said
                    for w in ("alternatives", "other vendors", *(c.lower() for c in COMPETITORS))
                ),
            }
        )
    return evidence


def test_churners_show_the_planted_patterns_more_than_renewers(tmp_path: Path) -> None:
    generate_portfolio(tmp_path, accounts=110, seed=7, as_of=AS_OF)
    evidence = _per_renewal_evidence(tmp_path)
    churned = [e for e in evidence if e["churned"]]
    kept = [e for e in evidence if not e["churned"]]
    assert len(churned) >= 8 and len(kept) >= 40

    def mean(rows: list[dict[str, Any]], key: str) -> float:
        return statistics.mean(float(e[key]) for e in rows)

    assert mean(churned, "usage_ratio") < mean(kept, "usage_ratio") - 0.2
    assert mean(churned, "escalations") > mean(kept, "escalations") + 0.5
    assert mean(churned, "alarm_words") > mean(kept, "alarm_words") + 0.2
    # ...but not every churner is obvious.
    assert any(e["usage_ratio"] > 0.8 and e["escalations"] == 0 for e in churned)


def test_churned_accounts_go_quiet_after_churn(portfolio: Path) -> None:
    churn_dates = {
        k: date.fromisoformat(v["churn_date"])
        for k, v in truth(portfolio).items()
        if v["churned"] == "true"
    }
    assert churn_dates
    for row in read_csv(portfolio, "usage.csv"):
        if row["account_id"] in churn_dates:
            assert date.fromisoformat(row["week"]) <= churn_dates[row["account_id"]]
    for record in read_feedback(portfolio):
        if record["accountId"] in churn_dates:
            assert day_of(record["submittedAt"]) <= churn_dates[record["accountId"]]
    for row in read_csv(portfolio, "users.csv"):
        if row["account_id"] in churn_dates:
            assert row["active"] == "false"


def _nps_by(records: list[dict[str, Any]], role: str, since: date, until: date) -> list[int]:
    return [
        r["content"]["score"]
        for r in records
        if r.get("role") == role
        and r["content"]["type"] == "nps"
        and since <= day_of(r["submittedAt"]) <= until
    ]


def test_acme_power_users_decline_while_champions_stay_happy(portfolio: Path) -> None:
    acme = [r for r in read_feedback(portfolio) if r["accountId"] == "acme-corp"]
    start = AS_OF - timedelta(days=364)
    recent = AS_OF - timedelta(days=90)
    power_then = _nps_by(acme, "power_user", start, start + timedelta(days=150))
    power_now = _nps_by(acme, "power_user", recent, AS_OF)
    champions = _nps_by(acme, "champion", start, AS_OF)
    assert statistics.mean(power_now) < statistics.mean(power_then) - 1.5
    assert statistics.mean(champions) >= 8
    onboarding = [r for r in acme if "onboard" in (r["content"].get("comment") or "").lower()]
    assert {r.get("role") or r["respondent"]["role"] for r in onboarding} >= {"admin", "champion"}
    mobile = [r for r in acme if "mobile" in (r["content"].get("comment") or "").lower()]
    assert "end_user" in {r.get("role") for r in mobile}


def test_gamma_champion_becomes_unresponsive(portfolio: Path) -> None:
    contacts = [
        r
        for r in read_csv(portfolio, "touchpoints.csv")
        if r["account_id"] == "gamma-llc" and r["kind"] == "champion_contact"
    ]
    early = [
        float(r["response_hours"]) for r in contacts if day_of(r["at"]) < AS_OF - timedelta(180)
    ]
    late = [float(r["response_hours"]) for r in contacts if day_of(r["at"]) > AS_OF - timedelta(40)]
    assert statistics.mean(late) > 2.5 * statistics.mean(early)
    kinds = {
        r["kind"] for r in read_csv(portfolio, "touchpoints.csv") if r["account_id"] == "gamma-llc"
    }
    assert "delegated" in kinds


def test_beta_asks_for_seats_and_other_departments_want_in(portfolio: Path) -> None:
    said = " ".join(
        r["content"].get("comment") or ""
        for r in read_feedback(portfolio)
        if r["accountId"] == "beta-inc"
    ).lower()
    assert "more seats" in said
    assert "wants access" in said or "department" in said or "asking to get on" in said
