"""Themes: clustering comments into topics with short, stable, human labels.

Pure: numpy and scikit-learn over arrays, no database. The flow:

1. Every comment gets a vector once, when it arrives (`features.encode_texts`): a
   MiniLM sentence embedding, or hashed character n-grams when the model is not installed.
2. `build_catalogue` first gives each comment its *known* theme: the nearest anchor (a short
   description of a common B2B theme, embedded the same way) when the comment is at least
   ANCHOR_SIMILARITY close to it (BERTopic's zero-shot topics). The remaining comments are
   clustered (agglomerative, cosine, average linkage; at most `max_sample` comments, so
   10,000 cluster in seconds), so themes no anchor knows still emerge. A theme needs two
   distinct people (the seed's minClusterSize 2). Clustering everything and labelling whole
   clusters by anchor scored lower (ARI 0.55 / 0.52): one mixed cluster mislabels all its
   members.
3. `ThemeCatalogue.assign` gives any comment the label of its nearest theme centroid, so a
   new comment lands in an existing theme and a theme keeps its name week over week.

A discovered cluster is named by the previous catalogue's theme at the same place, else by
`namer` (the LLM) when given, else by its most characteristic phrase (class-based TF-IDF
without stop or sentiment words), e.g. "Date Formats".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from account_health.text.sentiment import sentiment_words

# Short human labels with descriptions; a cluster takes the label of the nearest one.
ANCHORS: dict[str, tuple[str, ...]] = {
    "Onboarding": (
        "onboarding and implementation",
        "initial setup and getting new users started",
        "go-live and rollout of the product",
        "kickoff, implementation plan and time to go live",
        "migrating our data and configuring the workspace at the start",
        "onboarding new team members, new hires and new teams",
        "setting up new users and getting each new team productive",
    ),
    "Training": (
        "training sessions and learning the product",
        "tutorials, webinars and documentation",
        "courses and certification for our users",
    ),
    "Mobile experience": (
        "the mobile app on phones and tablets",
        "using the product on iOS or Android",
        "the iPhone, iPad and Android app for field staff",
    ),
    "Reporting": (
        "reports, dashboards and analytics",
        "charts and metrics for management",
        "exporting reports and building custom dashboards",
        "forecasts, KPIs and scheduled reports",
    ),
    "Integrations": (
        "integrations and connectors with other tools",
        "API, webhooks and data sync with our CRM",
        "syncing contacts and calendars between our systems",
        "imports and exports between systems",
    ),
    "Pricing": (
        "price, cost and licence fees",
        "contract value, invoices and budget for the renewal",
        "per-seat pricing, discounts and the renewal quote",
        "a cheaper competitor and the value for money",
    ),
    "Support": (
        "customer support and help tickets",
        "our customer success manager and account team responsiveness",
        "support agents, escalations and response times to our cases",
        "our CSM and account manager",
    ),
    "Performance": (
        "speed, slow pages and load times",
        "outages, downtime and uptime",
        "the platform is slow, hangs, times out or goes down",
    ),
    "Security and access": (
        "security, compliance and data protection",
        "single sign-on, login and user permissions",
        "SAML, SCIM provisioning and two-factor authentication",
        "admin roles, access rights, audit logs and GDPR",
    ),
    "Usability": ("ease of use and user interface", "navigation, clicks and a confusing layout"),
    "Data quality": ("data accuracy, duplicate and missing records", "wrong or inconsistent data"),
    "Notifications": (
        "notifications, alerts and emails from the product",
        "reminders, digests and alert settings",
    ),
    "Customization": (
        "custom fields, workflows and automation",
        "configuring the product to our processes",
    ),
    "Adoption": (
        "low usage: people not logging in or not using the tool any more",
        "unused seats and teams that stopped using the product",
    ),
}

DISTANCE_THRESHOLD = 0.7  # cosine distance at which agglomerative clustering stops merging
ANCHOR_SIMILARITY = 0.3  # a comment at least this close to an anchor belongs to that known theme
CARRY_OVER_SIMILARITY = 0.8  # a cluster this close to a previous theme keeps its label
ASSIGN_SIMILARITY = 0.2  # a comment further than this from every theme gets no topic
MIN_PEOPLE = 2  # the seed's minClusterSize: at least two distinct people raised it
MAX_SAMPLE = 3000  # agglomerative clustering is O(n^2) memory: cluster a sample, assign all


@dataclass(frozen=True)
class ThemeCatalogue:
    """Theme labels and their unit-length centroids, in one feature space."""

    labels: tuple[str, ...]
    centroids: np.ndarray  # (len(labels), dim) float32, rows of unit length
    features: str  # the feature space the centroids live in, e.g. "all-MiniLM-L6-v2"

    def assign(
        self, vectors: np.ndarray, min_similarity: float = ASSIGN_SIMILARITY
    ) -> list[str | None]:
        """The nearest theme's label for each row of `vectors`, None when none is close."""
        if not self.labels or len(vectors) == 0:
            return [None] * len(vectors)
        similarity = _unit_rows(vectors) @ self.centroids.T
        best = similarity.argmax(axis=1)
        best_similarity = similarity[np.arange(len(best)), best]
        return [
            self.labels[j] if s >= min_similarity else None
            for j, s in zip(best.tolist(), best_similarity.tolist(), strict=True)
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "features": self.features,
            "labels": list(self.labels),
            "centroids": np.round(self.centroids.astype(np.float64), 6).tolist(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ThemeCatalogue:
        centroids = np.asarray(data["centroids"], dtype=np.float32)
        return cls(
            tuple(data["labels"]), centroids.reshape(len(data["labels"]), -1), data["features"]
        )


def cluster_vectors(
    vectors: np.ndarray, distance_threshold: float = DISTANCE_THRESHOLD
) -> np.ndarray:
    """Agglomerative clustering (cosine, average linkage): one cluster id per row."""
    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=int)
    model = AgglomerativeClustering(
        n_clusters=None, distance_threshold=distance_threshold, metric="cosine", linkage="average"
    )
    return model.fit_predict(_unit_rows(vectors))


def build_catalogue(
    vectors: np.ndarray,
    texts: Sequence[str],
    people: Sequence[str | None] | None = None,
    *,
    features: str,
    anchors: ThemeCatalogue | None = None,
    previous: ThemeCatalogue | None = None,
    max_sample: int = MAX_SAMPLE,
    seed: int = 0,
    namer: Callable[[list[str]], str | None] | None = None,
) -> ThemeCatalogue:
    """Group the comments into themes and name each one; see the module docstring.

    `people[i]` is who wrote `texts[i]` (None counts as a distinct unknown person);
    `anchors` is `anchor_catalogue(...)` in the same feature space, `previous` last run's
    catalogue. `namer` (e.g. the LLM's `label_theme`) names discovered clusters that the
    previous catalogue does not name; without it, or when it answers None, the cluster's
    most characteristic phrase names it. Deterministic for a given `seed`.
    """
    if len(vectors) != len(texts):
        raise ValueError(f"{len(vectors)} vectors but {len(texts)} texts")
    people = list(people) if people is not None else [f"#{i}" for i in range(len(texts))]
    sample = _sample(len(texts), max_sample, seed)
    vectors = _unit_rows(vectors[sample])
    texts = [texts[i] for i in sample]
    people = [people[i] if people[i] is not None else f"#{i}" for i in sample]
    known = _anchor_matches(vectors, anchors, features)
    groups: dict[str, list[int]] = {}
    for label in sorted({label for label in known if label is not None}):
        members = [i for i, match in enumerate(known) if match == label]
        if len({people[i] for i in members}) >= MIN_PEOPLE:
            groups[label] = members
    unmatched = np.array([i for i, match in enumerate(known) if match is None], dtype=int)
    clusters = cluster_vectors(vectors[unmatched])
    names = cluster_phrases([texts[i] for i in unmatched], clusters)
    for cluster in np.unique(clusters).tolist():
        members = unmatched[clusters == cluster]
        if len({people[i] for i in members}) < MIN_PEOPLE:
            continue
        label = _carried_over(_centroid(vectors[members]), previous, features)
        if label is None:
            named = namer([texts[i] for i in members[:20]]) if namer is not None else None
            label = named or names[cluster]
        groups.setdefault(label, []).extend(members.tolist())
    labels = tuple(sorted(groups))
    centroids = (
        np.stack([_centroid(vectors[groups[label]]) for label in labels])
        if labels
        else (np.zeros((0, vectors.shape[1] if vectors.ndim == 2 else 0), dtype=np.float32))
    )
    return ThemeCatalogue(labels, centroids.astype(np.float32), features)


def anchor_catalogue(anchor_vectors: dict[str, np.ndarray], features: str) -> ThemeCatalogue:
    """A catalogue of the anchors themselves (the mean of each anchor's description vectors).

    It is also the starting catalogue: before any clustering has run, a new comment gets
    the nearest anchor's label.
    """
    labels = tuple(anchor_vectors)
    centroids = np.stack([_centroid(anchor_vectors[label]) for label in labels])
    return ThemeCatalogue(labels, centroids, features)


def _anchor_matches(
    vectors: np.ndarray, anchors: ThemeCatalogue | None, features: str
) -> list[str | None]:
    """Each comment's known theme: the nearest anchor when it is close enough, else None."""
    if anchors is None or not anchors.labels or anchors.features != features:
        return [None] * len(vectors)
    return anchors.assign(vectors, min_similarity=ANCHOR_SIMILARITY)


def _carried_over(
    centroid: np.ndarray, previous: ThemeCatalogue | None, features: str
) -> str | None:
    """Last run's label for a discovered cluster at the same place, so names stay stable."""
    if previous is None or not previous.labels or previous.features != features:
        return None
    similarity = previous.centroids @ centroid
    best = int(similarity.argmax())
    return previous.labels[best] if similarity[best] >= CARRY_OVER_SIMILARITY else None


_TOKEN = r"(?u)\b[a-zA-Z][a-zA-Z0-9-]{2,}\b"
_GENERIC = frozenset(
    {
        "team",
        "teams",
        "product",
        "tool",
        "use",
        "using",
        "need",
        "needs",
        "would",
        "really",
        "still",
        "every",
        "week",
        "weeks",
        "time",
        "get",
        "got",
        "make",
        "makes",
        "made",
        "like",
        "just",
        "much",
        "many",
        "lot",
        "one",
        "two",
        "also",
        "even",
        "new",
        "way",
        "day",
        "days",
        "month",
        "months",
        "year",
        "years",
        "today",
        "does",
        "did",
        "doesn",
        "don",
        "isn",
        "aren",
        "wasn",
        "won",
        "able",
        "want",
        "know",
        "think",
        "feel",
        "feels",
        "thing",
        "things",
        "people",
        "users",
        "user",
        "someday",
        "finally",
        "actually",
        "always",
        "keeps",
        "keep",
    }
)


def cluster_phrases(texts: Sequence[str], clusters: np.ndarray) -> dict[int, str]:
    """Each cluster's most characteristic one- or two-word phrase, title-cased.

    Class-based TF-IDF over the comments' words and word pairs, skipping stop words,
    generic feedback words and sentiment words (a label names a topic, not a mood). A label
    phrase must appear in at least two of the cluster's comments when it has two; a word
    grows into the word pair it always appears in ("Date" -> "Date Formats"). Ties go
    alphabetically, so the same comments always get the same label.
    """
    ids = np.unique(clusters).tolist()
    try:
        vectorizer = CountVectorizer(
            token_pattern=_TOKEN, stop_words=sorted(_label_stop_words()), binary=True
        )
        presence = vectorizer.fit_transform(texts)
    except ValueError:  # every word was a stop word
        return {c: f"Theme {c + 1}" for c in ids}
    terms = vectorizer.get_feature_names_out()
    in_comments = np.vstack(
        [np.asarray(presence[clusters == c].sum(axis=0)).ravel() for c in ids]
    ).astype(np.float64)
    sizes = np.array([np.count_nonzero(clusters == c) for c in ids], dtype=np.float64)
    idf = np.log(1.0 + in_comments.sum(axis=1).mean() / np.maximum(in_comments.sum(axis=0), 1.0))
    scores = in_comments / sizes[:, None] * idf
    labels = {}
    for row, cluster in enumerate(ids):
        eligible = in_comments[row] >= min(2.0, sizes[row])
        ranked = scores[row] if not eligible.any() else np.where(eligible, scores[row], 0.0)
        best = int(np.argsort(-ranked, kind="stable")[0])
        if ranked[best] <= 0:
            labels[cluster] = f"Theme {cluster + 1}"
            continue
        members = [texts[i] for i in np.flatnonzero(clusters == cluster)]
        labels[cluster] = _title(_grow_into_pair(str(terms[best]), members), members)
    return labels


def _grow_into_pair(word: str, texts: Sequence[str]) -> str:
    """`word` with its neighbour when every comment that has the word has the same pair."""
    having = [t.lower() for t in texts if re.search(rf"\b{re.escape(word)}\b", t, re.IGNORECASE)]
    stop = _label_stop_words()
    for pattern in (rf"\b({re.escape(word)})\s+([a-z][a-z0-9-]{{2,}})\b",
                    rf"\b([a-z][a-z0-9-]{{2,}})\s+({re.escape(word)})\b"):
        found = [m.groups() for t in having if (m := re.search(pattern, t))]
        pairs = set(found)
        if len(pairs) == 1 and len(found) == len(having) >= 2:
            pair = next(iter(pairs))
            if not set(pair) & stop:
                return " ".join(pair)
    return word


def _title(term: str, texts: Sequence[str]) -> str:
    """Title case, keeping acronyms as they were written (SSO, API)."""
    joined = " ".join(texts)
    words = []
    for word in term.split(" "):
        written = re.search(rf"\b{re.escape(word)}\b", joined, re.IGNORECASE)
        form = written.group(0) if written else word
        words.append(form if form.isupper() and len(form) > 1 else word.capitalize())
    return " ".join(words)


@lru_cache(maxsize=1)
def _label_stop_words() -> frozenset[str]:
    return frozenset(ENGLISH_STOP_WORDS | _GENERIC | sentiment_words())


def _sample(n: int, max_sample: int, seed: int) -> list[int]:
    if n <= max_sample:
        return list(range(n))
    return sorted(np.random.default_rng(seed).choice(n, size=max_sample, replace=False).tolist())


def _centroid(vectors: np.ndarray) -> np.ndarray:
    mean = np.asarray(vectors, dtype=np.float32).mean(axis=0)
    return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        vectors = vectors.reshape(len(vectors), -1)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
