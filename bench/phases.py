"""The measured work of the benchmark, one phase per process (see bench/run.py).

Each phase runs in its own interpreter so that its peak memory (ru_maxrss) is its own and
so that the same phase can run against another source tree (`--src`, the "before" code).
It prints one JSON object on its last line of output.

Run by bench/run.py: python bench/phases.py PHASE '{"url": ..., ...}'
"""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # tests.fakes (the fake Slack), after any --src tree

from sqlalchemy import text  # noqa: E402

STEADY_RUNS = 3
SAMPLE_ACCOUNTS = 60  # accounts whose optimised scores are checked against the plain path


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_import(args: dict[str, Any]) -> dict[str, Any]:
    from account_health.storage.db import open_database
    from account_health.storage.importer import import_directory

    db = open_database(args["url"])
    started = time.perf_counter()
    summary = import_directory(db, Path(args["dir"]), progress=False)
    seconds = time.perf_counter() - started
    db.dispose()
    rows = sum(f.read for f in summary.files)
    comments = getattr(summary, "comments_total", None)
    return {
        "rows": rows,
        "seconds": seconds,
        "load_seconds": getattr(summary, "load_seconds", None),
        "analysis_seconds": getattr(summary, "analysis_seconds", None),
        "analysis_span_seconds": getattr(summary, "analysis_span_seconds", None),
        "texts_in_background": getattr(summary, "comments_in_background", 0),
        "comments": comments,
        "texts_analysed": summary.comments_analysed,
        "files": {f.file: f.read for f in summary.files},
        "peak_mb": peak_mb(),
    }


def _run_once(db: Any, url: str, as_of: date) -> tuple[float, int]:
    from account_health.config import load_settings
    from account_health.jobs.pipeline import run_and_deliver

    settings = load_settings(DATABASE_URL=url)  # ENGINE_WORKERS from the environment
    started = time.perf_counter()
    summary = run_and_deliver(db, settings, None, as_of,
                              now=datetime.combine(as_of, datetime.min.time(), tzinfo=UTC))
    return time.perf_counter() - started, summary.run.run_id


class MemorySampler(threading.Thread):
    """The resident memory of this process and its children (the engine's workers), summed
    and sampled every 0.2 s; `peak_mb` is the largest sum seen. (ru_maxrss of the children
    would count the parent's pages they share between fork and exec.)"""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_mb = 0.0
        self.workers_peak_mb = 0.0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(0.2):
            own, children = _rss_mb(os.getpid()), [_rss_mb(pid) for pid in _children()]
            self.peak_mb = max(self.peak_mb, own + sum(children))
            self.workers_peak_mb = max([self.workers_peak_mb, *children])

    def stop(self) -> None:
        self._halt.set()
        self.join()


def _children() -> list[int]:
    me, found = os.getpid(), []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == me:
            found.append(int(stat.parent.name))
    return found


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def phase_engine(args: dict[str, Any]) -> dict[str, Any]:
    """The first run raises every alert; the steady state is the median of the next three
    (the machine is shared: one run can be 10% off)."""
    from account_health.storage.db import open_database

    as_of = date.fromisoformat(args["as_of"])
    db = open_database(args["url"])
    sampler = MemorySampler()
    sampler.start()
    first, _ = _run_once(db, args["url"], as_of)
    steady_runs = [_run_once(db, args["url"], as_of) for _ in range(STEADY_RUNS)]
    sampler.stop()
    db.dispose()
    steady = statistics.median(seconds for seconds, _ in steady_runs)
    run_id = steady_runs[-1][1]
    return {"first_seconds": first, "steady_seconds": steady, "run_id": run_id,
            "steady_runs": [seconds for seconds, _ in steady_runs],
            "peak_mb": max(peak_mb(), sampler.peak_mb), "own_peak_mb": peak_mb(),
            "workers": _engine_workers(), "worker_peak_mb": sampler.workers_peak_mb}


def _engine_workers() -> int:
    from account_health.config import load_settings

    try:
        from account_health.processes import available_cores
    except ImportError:  # a --baseline-src tree from before worker processes
        return 0
    return load_settings().engine_workers or available_cores()


FLOOR_QUERIES = {
    # the rows the engine reads, grouped by account: one plain pass, nothing computed
    "people": "SELECT * FROM people ORDER BY account_id, id",
    "feedback": "SELECT f.id, f.account_id, f.person_id, f.role, f.kind, f.submitted_at, "
                "f.score, f.overall_satisfaction, f.value_realization, f.renewal_likelihood, "
                "f.expansion_interest, f.comment, f.concerns FROM feedback f "
                "WHERE f.submitted_at <= :end ORDER BY f.account_id",
    "analysis": "SELECT a.feedback_id, a.position, a.sentiment, a.signals, a.competitors, "
                "a.topic FROM comment_analysis a",
    "usage": "SELECT * FROM usage_weeks WHERE week <= :day ORDER BY account_id",
    "touchpoints": "SELECT * FROM touchpoints WHERE at <= :end ORDER BY account_id",
    "outcomes": "SELECT * FROM outcomes WHERE at <= :end ORDER BY account_id",
    "renewals": "SELECT * FROM renewals WHERE date <= :day ORDER BY account_id",
    "accounts": "SELECT * FROM accounts ORDER BY id",
}


def phase_floor(args: dict[str, Any]) -> dict[str, Any]:
    """The floor (one plain SQL pass over the same rows), then the equality check."""
    from account_health.storage.db import open_database

    as_of = date.fromisoformat(args["as_of"])
    db = open_database(args["url"])
    end = f"{as_of.isoformat()} 23:59:59.999999"
    params = {"day": as_of, "end": datetime.fromisoformat(end) if not db.is_sqlite else end}
    counts: dict[str, int] = {}
    started = time.perf_counter()
    with db.engine.connect() as connection:
        for name, sql in FLOOR_QUERIES.items():
            result = connection.execution_options(stream_results=True, yield_per=20_000) \
                .execute(text(sql), params)
            rows = 0
            for partition in result.partitions():
                rows += len(partition)
            counts[name] = rows
    floor = time.perf_counter() - started
    check = same_scores(db, as_of, args["run_id"])
    db.dispose()
    return {"floor_seconds": floor, "rows": counts, **check}


def same_scores(db: Any, as_of: date, run_id: int) -> dict[str, Any]:
    """The plain path (load_account_data + build_report, one account at a time) against the
    snapshots the optimised run stored."""
    from sqlalchemy import select

    from account_health.domain.engine import build_report
    from account_health.services.reports import load_engine_config
    from account_health.storage.repository import latest_snapshot, load_account_data
    from account_health.storage.tables import AccountRow, HealthSnapshotRow

    config = load_engine_config()
    with db.session() as session:
        ids = list(session.scalars(select(AccountRow.id).order_by(AccountRow.id)))
        sample = sorted(random.Random(5).sample(ids, min(SAMPLE_ACCOUNTS, len(ids))))
        stored = {row.account_id: row for row in session.scalars(
            select(HealthSnapshotRow).where(HealthSnapshotRow.run_id == run_id,
                                            HealthSnapshotRow.account_id.in_(sample)))}
        mismatches = []
        for account_id in sample:
            data = load_account_data(session, account_id, as_of)
            previous = latest_snapshot(session, account_id, before=as_of)
            report = build_report(data, as_of, config, previous)
            snapshot = stored.get(account_id)
            plain = (round(report.health.overall, 6), report.health.tier,
                     {k: round(c.score, 6) for k, c in report.health.components.items()})
            kept = None if snapshot is None else (
                round(snapshot.overall, 6), snapshot.tier,
                {k: round(getattr(snapshot, k), 6) for k in plain[2]})
            if plain != kept:
                mismatches.append(f"{account_id}: plain {plain} != stored {kept}")
    return {"checked": len(sample), "mismatches": mismatches}


def phase_report(args: dict[str, Any]) -> dict[str, Any]:
    """`report` for one account on the big database: latency over a sample of accounts."""
    from sqlalchemy import select

    from account_health.services.reports import account_report
    from account_health.storage.db import open_database
    from account_health.storage.tables import AccountRow

    as_of = date.fromisoformat(args["as_of"])
    db = open_database(args["url"])
    with db.session() as session:
        ids = list(session.scalars(select(AccountRow.id)))
    sample = random.Random(9).sample(ids, min(30, len(ids)))
    timings = []
    for account_id in sample:
        started = time.perf_counter()
        with db.session() as session:
            account_report(session, account_id, as_of)
        timings.append(time.perf_counter() - started)
    db.dispose()
    return {"median_ms": statistics.median(timings) * 1000, "p95_ms": p95(timings) * 1000,
            "max_ms": max(timings) * 1000}


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def phase_slack(args: dict[str, Any]) -> dict[str, Any]:
    """200 signed /account-health requests over HTTP to the served app, fake Slack as the API."""
    from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
    from sqlalchemy import select
    from tests.fakes.fake_slack import SIGNING_SECRET, TOKEN, FakeSlack, SlackSender

    from account_health.config import load_settings
    from account_health.slack.app import create_app, make_http_server
    from account_health.slack.client import build_client
    from account_health.storage.db import open_database
    from account_health.storage.tables import AccountRow

    as_of = date.fromisoformat(args["as_of"])
    db = open_database(args["url"])
    with db.session() as session:
        accounts = list(session.execute(select(AccountRow.id, AccountRow.name)))
    rng = random.Random(13)
    queries = [rng.choice((row.id, row.name)) for row in rng.choices(accounts, k=args["requests"])]
    fake = FakeSlack().start()
    fake.add_user("U0BENCH")
    fake.add_channel("D0DM", is_channel=False, is_im=True)
    settings = load_settings(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
                             SLACK_API_URL=fake.api_url, DATABASE_URL=args["url"])
    client = build_client(settings, interval=BackoffRetryIntervalCalculator(backoff_factor=0.01))
    app = create_app(settings, client=client, db=db,
                     today=lambda: as_of, now=lambda: datetime.now(UTC))
    server = make_http_server(app, host="127.0.0.1", port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sender = SlackSender(f"http://127.0.0.1:{server.server_port}/slack/events")
    acks, answers, failures = [], [], 0
    for query in queries:
        url = fake.new_response_url()
        started = time.time()
        response = sender.command(query, user_id="U0BENCH", response_url=url)
        acks.append(response.seconds)
        calls = fake.wait_for_path(url, timeout=30)
        if response.status != 200 or not calls:
            failures += 1
            continue
        answers.append(calls[0].at - started)
    server.shutdown()
    server.server_close()
    fake.stop()
    db.dispose()
    return {"requests": len(queries), "failures": failures,
            "ack_p95_ms": p95(acks) * 1000, "ack_median_ms": statistics.median(acks) * 1000,
            "answer_p95_ms": p95(answers) * 1000 if answers else None,
            "answer_median_ms": statistics.median(answers) * 1000 if answers else None}


def phase_themes(args: dict[str, Any]) -> dict[str, Any]:
    """Clustering 10,000 analysed comments of the database offline (the stored vectors)."""
    import numpy as np
    from sqlalchemy import select

    from account_health.storage.bulk import text_at
    from account_health.storage.db import open_database
    from account_health.storage.tables import CommentAnalysisRow, FeedbackRow
    from account_health.text.features import anchors_for, embedding_from_bytes, feature_space
    from account_health.text.themes import build_catalogue

    db = open_database(args["url"])
    t = CommentAnalysisRow
    with db.session() as session:
        rows = session.execute(
            select(t.embedding, t.position, FeedbackRow.comment, FeedbackRow.concerns,
                   FeedbackRow.person_id)
            .join(FeedbackRow, FeedbackRow.id == t.feedback_id)
            .where(t.embedding.is_not(None)).order_by(t.id).limit(args["comments"])).all()
    db.dispose()
    texts = [text_at(r.comment, r.concerns, r.position) for r in rows]
    features = feature_space()
    started = time.perf_counter()
    vectors = np.stack([embedding_from_bytes(r.embedding) for r in rows])
    catalogue = build_catalogue(vectors, texts, [r.person_id for r in rows], features=features,
                                anchors=anchors_for(features))
    topics = catalogue.assign(vectors)
    seconds = time.perf_counter() - started
    return {"comments": len(rows), "seconds": seconds, "themes": len(catalogue.labels),
            "assigned": sum(topic is not None for topic in topics) / max(len(topics), 1)}


PHASES = {"import": phase_import, "engine": phase_engine, "floor": phase_floor,
          "report": phase_report, "slack": phase_slack, "themes": phase_themes}


if __name__ == "__main__":
    result = PHASES[sys.argv[1]](json.loads(sys.argv[2]))
    print(json.dumps(result, default=str))
