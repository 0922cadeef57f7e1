"""Benchmarks at scale (issue 7): import, text analysis, engine run, memory, Slack, themes.

    /work/venv/bin/python bench/run.py [--accounts 10000] [--database sqlite|postgresql|both]
                                       [--out bench/out] [--baseline-src DIR]

Builds the portfolio with the generator (cached in --out), imports it into a fresh database,
runs the engine four times (the steady state is the median of the last three), times the
floor (one plain SQL pass over the same rows), checks that the run's stored scores equal the
plain path's on a sample of accounts (exit 1 if not), measures `report` and `/account-health`
latency and theme clustering, prints the table and writes bench/results.md with the machine's
details.

PostgreSQL: --postgres-url URL, or (as root, with Debian's postgresql installed) a throwaway
cluster is started on 127.0.0.1 and stopped at the end. --skip import reuses the database
(and the import figures) of the previous run of the same size, to re-measure the rest.
--baseline-src DIR runs every phase a second time with another source tree first on the
path (e.g. a copy of the code before a change) and prints before, after and their ratio,
all measured in this one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

BENCH = Path(__file__).resolve().parent
PHASES = BENCH / "phases.py"
console = Console()


@dataclass
class Results:
    """Every phase's JSON result for one database and one source tree."""

    label: str
    phases: dict[str, dict[str, Any]] = field(default_factory=dict)

    def get(self, phase: str, key: str) -> Any:
        return self.phases.get(phase, {}).get(key)


# --- figures: (label, target, function of Results -> (value, passed)) -------------------------


def _fmt_rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def figures(r: Results) -> list[tuple[str, str, str, bool | None]]:
    """(figure, value, target, met) rows for the table."""
    rows: list[tuple[str, str, str, bool | None]] = []
    imp = r.phases.get("import")
    if imp:
        total = imp["seconds"]
        load = imp.get("load_seconds") or total
        rows.append(("import: rows/s (load phase)", f"{imp['rows'] / load:,.0f} rows/s",
                     "", None))
        rows.append(("import: whole load incl. text analysis", f"{total:,.1f} s "
                     f"({imp['rows']:,} rows, {imp['rows'] / total:,.0f} rows/s)", "< 600 s",
                     total < 600))
        # From the first text analysed (in the background, during the load) to the end.
        analysis = imp.get("analysis_span_seconds") or imp.get("analysis_seconds")
        comments = imp.get("comments")
        if analysis:
            background = imp.get("texts_in_background") or 0
            overlap = (f", {background:,} of them in the background during the load"
                       if background else "")
            rows.append(("text analysis: comments/s", f"{comments / analysis:,.0f} comments/s "
                         f"({comments:,} comments, {imp['texts_analysed']:,} distinct texts "
                         f"analysed in {analysis:,.1f} s{overlap}; "
                         f"{imp['texts_analysed'] / analysis:,.0f} texts/s)",
                         ">= 200", comments / analysis >= 200))
        else:
            rows.append(("text analysis: comments/s", f"inline in the import "
                         f"({imp['texts_analysed']:,} texts analysed)", ">= 200", None))
        rows.append(("import: peak memory", f"{imp['peak_mb']:,.0f} MiB", "", None))
    eng, floor = r.phases.get("engine"), r.phases.get("floor")
    if eng:
        steady = eng["steady_seconds"]
        rows.append(("engine run: first (raises every alert)", f"{eng['first_seconds']:,.1f} s",
                     "", None))
        ratio = f", {steady / floor['floor_seconds']:.1f}x the floor" if floor else ""
        met = steady < 60 and (floor is None or steady <= 3 * floor["floor_seconds"])
        runs = eng.get("steady_runs") or []
        spread = (f" (median of {', '.join(f'{v:.1f}' for v in runs)})"
                  if len(runs) > 1 else "")
        rows.append(("engine run: steady state", f"{steady:,.1f} s{ratio}{spread}",
                     "< 60 s and <= 3x floor", met))
        # With worker processes: the largest sum of the run's and its workers' memory.
        workers = eng.get("workers") or 0
        total = eng["peak_mb"]
        split = (f" (the run and its {workers} workers together; the run alone "
                 f"{eng['own_peak_mb']:,.0f}, a worker at most {eng['worker_peak_mb']:,.0f})"
                 if workers > 1 and eng.get("own_peak_mb") else "")
        rows.append(("engine run: peak memory", f"{total:,.0f} MiB{split}", "< 1024 MiB",
                     total < 1024))
    if floor:
        rows.append(("floor: one plain SQL pass", f"{floor['floor_seconds']:,.1f} s "
                     f"({sum(floor['rows'].values()):,} rows)", "", None))
        bad = floor["mismatches"]
        rows.append(("same scores as the plain path", f"{floor['checked'] - len(bad)}/"
                     f"{floor['checked']} accounts equal", "all", not bad))
    rep = r.phases.get("report")
    if rep:
        rows.append(("report for one account", f"median {rep['median_ms']:,.0f} ms, "
                     f"p95 {rep['p95_ms']:,.0f} ms", "well under 1 s", rep["p95_ms"] < 1000))
    slack = r.phases.get("slack")
    if slack:
        rows.append(("/account-health ack", f"p95 {slack['ack_p95_ms']:,.0f} ms "
                     f"({slack['requests']} requests, {slack['failures']} failed)",
                     "p95 < 100 ms", slack["ack_p95_ms"] < 100 and not slack["failures"]))
        answer = slack["answer_p95_ms"]
        rows.append(("/account-health answer", "n/a" if answer is None else
                     f"p95 {answer:,.0f} ms (median {slack['answer_median_ms']:,.0f} ms)",
                     "p95 < 500 ms", answer is not None and answer < 500))
    themes = r.phases.get("themes")
    if themes:
        rows.append(("theme clustering", f"{themes['seconds']:,.1f} s for "
                     f"{themes['comments']:,} comments ({themes['themes']} themes, "
                     f"{themes['assigned']:.0%} assigned)", "< 30 s", themes["seconds"] < 30))
    return rows


# --- running phases ---------------------------------------------------------------------------


def run_phase(name: str, args: dict[str, Any], src: Path | None) -> dict[str, Any]:
    env = dict(os.environ)
    env.pop("ACCOUNT_HEALTH_ENGINE_CONFIG", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src) if src else "",
                                                    env.get("PYTHONPATH", "")) if p)
    started = time.perf_counter()
    console.log(f"{name} ({'src ' + str(src) if src else 'this tree'}) ...")
    done = subprocess.run([sys.executable, str(PHASES), name, json.dumps(args, default=str)],
                          env=env, capture_output=True, text=True, cwd=BENCH.parent)
    if done.returncode != 0:
        console.print(done.stderr[-4000:], markup=False, highlight=False)
        raise SystemExit(f"phase {name} failed (exit {done.returncode})")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    console.log(f"{name}: {time.perf_counter() - started:,.1f} s wall; {result}")
    return result


def bench_database(label: str, url: str, portfolio: Path, as_of: date, src: Path | None,
                   requests: int, skip: set[str], saved: Path) -> Results:
    """Every phase on one database; `saved` keeps the import's figures, so that a later
    `--skip import` reuses the imported database and still reports them."""
    results = Results(label)
    common = {"url": url, "as_of": as_of.isoformat()}
    if "import" in skip and saved.exists():
        results.phases["import"] = json.loads(saved.read_text())
        console.log(f"import: reusing the database and figures of {saved}")
    else:
        results.phases["import"] = run_phase("import", {**common, "dir": str(portfolio)}, src)
        saved.write_text(json.dumps(results.phases["import"]))
    if "engine" not in skip:
        results.phases["engine"] = run_phase("engine", common, src)
        run_id = results.phases["engine"]["run_id"]
        results.phases["floor"] = run_phase("floor", {**common, "run_id": run_id}, src)
    if "report" not in skip:
        results.phases["report"] = run_phase("report", common, src)
    if "slack" not in skip:
        results.phases["slack"] = run_phase("slack", {**common, "requests": requests}, src)
    if "themes" not in skip:
        results.phases["themes"] = run_phase("themes", {**common, "comments": 10_000}, src)
    return results


# --- databases --------------------------------------------------------------------------------


def fresh_sqlite(out: Path, name: str, keep: bool = False) -> str:
    path = out / f"{name}.db"
    for suffix in ("", "-wal", "-shm") if not keep else ():
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def fresh_postgres(server_url: str, name: str, keep: bool = False) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                    {"name": name}).first()
        if not (keep and exists):
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """initdb + pg_ctl start on a free port in a temporary folder (as /work/main/.ci/run)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not found:
        raise SystemExit("PostgreSQL is not installed: apt-get install -y postgresql, "
                         "or pass --postgres-url")
    pg_bin = found[-1]
    folder = Path(tempfile.mkdtemp(prefix="account-health-bench-pg."))
    shutil.chown(folder, "postgres", "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    def as_postgres(*command: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True,
                       stdout=subprocess.DEVNULL)

    as_postgres(str(pg_bin / "initdb"), "-D", str(folder / "data"), "-A", "trust",
                "-U", "postgres")
    as_postgres(str(pg_bin / "pg_ctl"), "-D", str(folder / "data"), "-o",
                f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c shared_buffers=256MB",
                "-l", str(folder / "log"), "-w", "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        with suppress(subprocess.CalledProcessError):
            as_postgres(str(pg_bin / "pg_ctl"), "-D", str(folder / "data"), "-m", "fast", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def database_versions(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            version = "SQLite " + connection.execute(text("select sqlite_version()")).scalar_one()
        else:
            version = connection.execute(text("show server_version")).scalar_one()
            version = f"PostgreSQL {version}"
    engine.dispose()
    return version


# --- the machine ------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), "0") if Path("/proc/meminfo").exists() else "0"
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return {"CPU": cpu, "cores": str(os.cpu_count()), "RAM": f"{int(mem) / 1024 ** 2:.1f} GiB",
            "Python": platform.python_version(), "OS": platform.platform(),
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "load average": load}


# --- main -------------------------------------------------------------------------------------


def ensure_portfolio(out: Path, accounts: int, seed: int, as_of: date) -> Path:
    folder = out / f"portfolio-{accounts}-seed{seed}-{as_of.isoformat()}"
    if (folder / "renewals.csv").exists():
        console.log(f"portfolio cached in {folder}")
        return folder
    from account_health.generator import generate_portfolio

    started = time.perf_counter()
    console.log(f"generating {accounts:,} accounts into {folder} ...")
    generate_portfolio(folder, accounts, seed, as_of)
    console.log(f"generated in {time.perf_counter() - started:,.1f} s")
    return folder


def table_for(title: str, after: Results, before: Results | None) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("figure")
    if before is not None:
        table.add_column("before")
    table.add_column("after" if before is not None else "measured")
    table.add_column("target")
    table.add_column("met")
    old = {name: value for name, value, _t, _m in figures(before)} if before else {}
    for name, value, target, met in figures(after):
        mark = "" if met is None else ("yes" if met else "NO")
        cells = [name] + ([old.get(name, "")] if before is not None else []) + [value, target,
                                                                                 mark]
        table.add_row(*cells)
    return table


def ratios(after: Results, before: Results) -> list[str]:
    """Speed-ups of the headline timings, measured in this run."""
    pairs = [("import, whole load", ("import", "seconds")),
             ("engine run, steady state", ("engine", "steady_seconds")),
             ("engine run, first", ("engine", "first_seconds")),
             ("report for one account (median)", ("report", "median_ms")),
             ("/account-health answer p95", ("slack", "answer_p95_ms"))]
    lines = []
    for name, (phase, key) in pairs:
        old, new = before.get(phase, key), after.get(phase, key)
        if old and new:
            lines.append(f"{name}: {old:,.1f} -> {new:,.1f} ({old / new:.1f}x faster)")
    old_mem, new_mem = before.get("engine", "peak_mb"), after.get("engine", "peak_mb")
    if old_mem and new_mem:
        lines.append(f"engine run peak memory: {old_mem:,.0f} -> {new_mem:,.0f} MiB")
    return lines


def markdown(sections: list[tuple[str, Results, Results | None]], info: dict[str, str],
             command: str) -> str:
    lines = ["# Benchmark results", "", f"Command: `{command}`", "", "Machine:", ""]
    lines += [f"- {key}: {value}" for key, value in info.items()]
    for title, after, before in sections:
        lines += ["", f"## {title}", ""]
        head = ["figure"] + (["before"] if before else []) + ["measured", "target", "met"]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        old = {name: value for name, value, _t, _m in figures(before)} if before else {}
        for name, value, target, met in figures(after):
            mark = "" if met is None else ("yes" if met else "**NO**")
            cells = [name] + ([old.get(name, "")] if before else []) + [value, target, mark]
            lines.append("| " + " | ".join(cells) + " |")
        if before:
            lines += ["", "Measured in the same run, before -> after:", ""]
            lines += [f"- {line}" for line in ratios(after, before)]
        bad = after.get("floor", "mismatches")
        if bad:
            lines += ["", "Score mismatches:", ""] + [f"- {m}" for m in bad]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2025, 6, 30))
    parser.add_argument("--requests", type=int, default=200, help="/account-health requests")
    parser.add_argument("--postgres-url", help="a server to create the bench database on "
                        "(default: a throwaway cluster)")
    parser.add_argument("--baseline-src", type=Path,
                        help="also run every phase with this source tree (the 'before')")
    parser.add_argument("--skip", action="append", default=[],
                        choices=("import", "engine", "report", "slack", "themes"),
                        help="leave a phase out; 'import' reuses the database and import "
                        "figures of the previous run of the same size (SQLite, or --postgres-url)")
    parser.add_argument("--results", type=Path, default=BENCH / "results.md")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    command = "python bench/run.py " + " ".join(sys.argv[1:])
    info = machine()
    portfolio = ensure_portfolio(args.out, args.accounts, args.seed, args.as_of)
    skip = set(args.skip)
    sections: list[tuple[str, Results, Results | None]] = []
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    with _postgres_server(args, kinds) as server:
        for kind in kinds:
            keep = "import" in skip

            def url_for(name: str, kind: str = kind, keep: bool = keep) -> str:
                if kind == "sqlite":
                    return fresh_sqlite(args.out, name, keep)
                assert server is not None
                return fresh_postgres(server, name, keep)

            name = f"bench_{args.accounts}"
            before = None
            if args.baseline_src:
                before = bench_database("before", url_for(name + "_before"), portfolio,
                                        args.as_of, args.baseline_src.resolve(), args.requests,
                                        skip, args.out / f"{kind}-{name}_before-import.json")
            url = url_for(name)
            after = bench_database("after", url, portfolio, args.as_of, None, args.requests,
                                   skip, args.out / f"{kind}-{name}-import.json")
            info[f"{kind} version"] = database_versions(url)
            title = (f"{kind}: {args.accounts:,} accounts "
                     f"({after.get('import', 'rows'):,} import rows)")
            sections.append((title, after, before))
    info["load average at the end"] = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    for title, after, before in sections:
        console.print(table_for(title, after, before))
        if before is not None:
            for line in ratios(after, before):
                console.print(f"  {line}")
    for key, value in info.items():
        console.print(f"[bold]{key}[/]: {value}", highlight=False)
    args.results.write_text(markdown(sections, info, command))
    console.print(f"written to {args.results}")
    failed = [(title, m) for title, after, _ in sections
              for m in after.get("floor", "mismatches") or []]
    if failed:
        console.print("[bold red]SCORES DIFFER between the optimised run and the plain "
                      "path:[/]")
        for title, mismatch in failed:
            console.print(f"  {title}: {mismatch}", markup=False)
        return 1
    return 0


@contextmanager
def _postgres_server(args: argparse.Namespace, kinds: list[str]) -> Iterator[str | None]:
    if "postgresql" not in kinds:
        yield None
    elif args.postgres_url:
        yield args.postgres_url
    else:
        with throwaway_postgres() as url:
            yield url


if __name__ == "__main__":
    raise SystemExit(main())
