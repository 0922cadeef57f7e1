"""Block Kit rendering: pure functions checked against Slack's limits (the fake's checker)."""

from __future__ import annotations

from datetime import date

from tests.fakes.fake_slack import check_payload

from account_health.domain.report import (
    AccountRef,
    Component,
    Evidence,
    Health,
    Playbook,
    Report,
    RoleRow,
    ScoreInput,
    SentimentSummary,
    Signal,
    Theme,
)
from account_health.slack.blocks import ids
from account_health.slack.blocks.home import AccountLine, HomeData, home_view
from account_health.slack.blocks.kit import escape
from account_health.slack.blocks.limits import fit_message
from account_health.slack.blocks.messages import choices_blocks, help_blocks
from account_health.slack.blocks.report import agenda_blocks, report_blocks, why_blocks

NASTY = "<!channel> & <script>alert(1)</script> " + "🔥" * 10


def make_report(name: str = "Acme Corp", *, themes: int = 3, signals: int = 2,
                text: str = "fine") -> Report:  # fmt: skip
    evidence = [Evidence(what=text, who="Jane (champion)", when=date(2025, 6, 1))]
    component = Component(score=61, confidence=0.75, signals=[
        ScoreInput(name="weighted_nps", value=7.2, points=28.8, max_points=40, evidence=evidence),
        ScoreInput(name="coverage", value=None, points=10, max_points=20, missing=True),
    ])  # fmt: skip
    return Report(
        account=AccountRef(id="acme", name=name, arr=120000, renewal_date=date(2025, 9, 1)),
        as_of=date(2025, 6, 30),
        health=Health(overall=61.4, tier="yellow", components={
            k: component for k in ("feedback", "engagement", "relationship", "outcome")}),
        sentiment=SentimentSummary(raw_average=7, weighted_average=7.4, respondent_count=12,
                                   coverage_rate=0.3, decision_maker_coverage=0.5),
        roles=[RoleRow(role="champion", users=2, responded=1, avg_nps=8, trend="down")],
        themes=[Theme(topic=f"{text} {i}", mentions=i, roles=["champion"], sentiment="negative",
                      executive_mention=True, priority=True) for i in range(themes)],
        signals=[Signal(type="churn_risk", name=f"{text} {i}", severity="high",
                        evidence=evidence) for i in range(signals)],
        routing=[],
        playbook=Playbook(tier="yellow", actions=["Proactive check-in", text]),
    )  # fmt: skip


def violations(method: str, blocks: list) -> list[str]:
    return check_payload(method, {"text": "x", "blocks": [b.to_dict() for b in blocks]})


def test_a_report_renders_within_limits_with_its_buttons() -> None:
    blocks = report_blocks(make_report())
    assert violations("chat.postMessage", blocks) == []
    assert blocks[-1].to_dict()["elements"][0]["action_id"] == ids.OPEN_PULSE_CHECK
    assert "61/100" in str(blocks[1].to_dict())


def test_huge_content_is_truncated_with_a_pointer_never_invalid() -> None:
    report = make_report("A" * 500, themes=300, signals=300, text="x" * 5000)
    for blocks in (report_blocks(report), why_blocks(report),
                   agenda_blocks("acme", "A" * 500, ("line " * 2000 + "\n") * 80)):  # fmt: skip
        assert len(blocks) <= 50
        assert violations("chat.postMessage", blocks) == []
    text = str([b.to_dict() for b in agenda_blocks("acme", "Acme", ("y" * 2900 + "\n") * 80)])
    assert "more: run `account-health report Acme`" in text


def test_fit_message_points_to_the_rest() -> None:
    blocks = help_blocks() * 120
    fitted = fit_message(blocks, "run `/account-health top`")
    assert len(fitted) == 50
    assert "and 71 more: run `/account-health top`" in str(fitted[-1].to_dict())


def test_user_and_data_text_is_escaped() -> None:
    blocks = report_blocks(make_report(NASTY, text=NASTY))
    assert violations("chat.postMessage", blocks) == []  # the checker rejects any raw '<'
    assert "&lt;script&gt;" in str([b.to_dict() for b in blocks])
    assert escape("a & <b>") == "a &amp; &lt;b&gt;"


def test_choices_have_distinct_action_ids() -> None:
    class Acc:
        def __init__(self, i: int) -> None:
            self.id, self.name, self.arr = f"id{i}", NASTY + str(i), 1.0

    blocks = choices_blocks(NASTY * 100, [Acc(i) for i in range(40)])
    assert violations("chat.postEphemeral", blocks) == []


def test_button_values_round_trip() -> None:
    assert ids.decode_target(ids.encode_target("acme")) == ids.Target("acme")
    assert ids.decode_target(ids.encode_target("a|b", "p{1}")) == ids.Target("a|b", "p{1}")
    assert ids.decode_target("{not json") == ids.Target("{not json")


def test_home_view_with_many_accounts_stays_within_limits() -> None:
    lines = [AccountLine(f"a{i}", f"{NASTY} {i}", 1000.0 * i, date(2025, 7, 1), 30.0, "red",
                         "Escalate to the VP " * 20) for i in range(500)]  # fmt: skip
    view = home_view(HomeData(date(2025, 6, 30), True, lines, lines, lines, total=500)).to_dict()
    assert check_payload("views.publish", {"view": view}) == []
    assert "more: run `/account-health top`" in str(view)
