"""Comment vectors for themes: MiniLM embeddings, or hashed character n-grams as a fallback.

Vectors are computed once per comment when it arrives and stored (float16 bytes, 768 bytes
per comment for MiniLM). The fallback is stateless (a HashingVectorizer), so it needs no
fitted vocabulary and is recomputed from the text when needed instead of being stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer

from account_health.text.embedding import MODEL_NAME, load_encoder
from account_health.text.themes import ANCHORS, ThemeCatalogue, anchor_catalogue

HASHED_FEATURES = "char-ngrams-hashed"
_HASHER = HashingVectorizer(
    analyzer="char_wb", ngram_range=(3, 5), n_features=2**12, alternate_sign=False, norm="l2"
)


def feature_space() -> str:
    """The name of the feature space this installation produces."""
    return MODEL_NAME if load_encoder() is not None else HASHED_FEATURES


def encode_texts(texts: Sequence[str]) -> tuple[np.ndarray, str]:
    """Vectors for `texts` (rows of unit length) and the name of their feature space."""
    encoder = load_encoder()
    if encoder is not None:
        return encoder.encode(list(texts)), MODEL_NAME
    return _HASHER.transform(list(texts)).toarray().astype(np.float32), HASHED_FEATURES


def embedding_to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float16).tobytes()


def embedding_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float16).astype(np.float32)


@lru_cache(maxsize=2)
def anchors_for(features: str) -> ThemeCatalogue:
    """The anchor catalogue in the given feature space (built once per process)."""
    vectors, space = encode_texts([d for descriptions in ANCHORS.values() for d in descriptions])
    if space != features:
        raise ValueError(f"cannot build {features} anchors on an installation that has {space}")
    by_label, start = {}, 0
    for label, descriptions in ANCHORS.items():
        by_label[label] = vectors[start : start + len(descriptions)]
        start += len(descriptions)
    return anchor_catalogue(by_label, features)
