"""Text analysis speed: comments/s at ingest, and clustering 10,000 analysed comments.

Run: /work/venv/bin/python bench/bench_text.py [--comments 2000] [--portfolio 10000]
Targets (issue 4): at least 200 comments/s at ingest; clustering under 30 s.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import time
from pathlib import Path

import numpy as np

from account_health.text import analyze_texts
from account_health.text.features import anchors_for, embedding_from_bytes, feature_space
from account_health.text.themes import build_catalogue

FIXTURES = Path(__file__).parents[1] / "tests" / "fixtures" / "text"


def realistic_comments(n: int, seed: int = 7) -> list[str]:
    """Comments built from the labelled sets: one or two sentences, varied."""
    pool = [row["text"] for name in ("themes.csv", "sentiment.csv", "themes_holdout.csv",
                                     "sentiment_holdout.csv")
            for row in csv.DictReader((FIXTURES / name).open())]
    rng = random.Random(seed)
    comments: dict[str, None] = {}  # distinct, so the encoder's de-duplication does not flatter
    while len(comments) < n:
        comments[" ".join(rng.sample(pool, rng.choice((1, 1, 2))))] = None
    return list(comments)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
                .splitlines() if line.startswith("model name")), platform.processor())
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--portfolio", type=int, default=10_000)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"features: {feature_space()}")

    started = time.perf_counter()
    analyze_texts(["warm up the model"])
    print(f"model load: {time.perf_counter() - started:.2f} s")

    comments = realistic_comments(args.comments)
    started = time.perf_counter()
    for i in range(0, len(comments), 100):  # the import analyses in batches
        analyze_texts(comments[i : i + 100])
    rate = len(comments) / (time.perf_counter() - started)
    print(f"ingest: {rate:.0f} comments/s over {len(comments)} distinct comments "
          f"(target >= 200; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")

    portfolio = realistic_comments(args.portfolio, seed=11)
    analysed = analyze_texts(portfolio)
    features = feature_space()
    rng = random.Random(3)
    people = [f"p{rng.randrange(args.portfolio // 3)}" for _ in portfolio]
    started = time.perf_counter()
    if analysed and analysed[0].embedding is not None:
        vectors = np.stack([embedding_from_bytes(a.embedding or b"") for a in analysed])
    else:
        from account_health.text.features import encode_texts

        vectors, _ = encode_texts(portfolio)
    catalogue = build_catalogue(
        vectors, portfolio, people, features=features, anchors=anchors_for(features)
    )
    topics = catalogue.assign(vectors)
    seconds = time.perf_counter() - started
    covered = sum(t is not None for t in topics) / len(topics)
    print(f"cluster {len(portfolio)} analysed comments: {seconds:.1f} s (target < 30 s); "
          f"{len(catalogue.labels)} themes, {covered:.0%} of comments assigned")
    print(f"themes: {', '.join(catalogue.labels)}")


if __name__ == "__main__":
    main()
