"""analysis.topics.vectors computes what scikit-learn computes, to the last bit (it is used instead of
scikit-learn only to spare the CLI the import)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix, diags
from sklearn import config_context
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import normalize

from analysis.topics.vectors import cosine_neighbours, normalize_rows, tfidf


def _same(a: csr_matrix, b: csr_matrix) -> bool:
    """Equal values, columns and stored order (later sums run in stored order)."""
    return (
        type(a) is type(b)
        and a.shape == b.shape
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


def _bags(n: int, seed: int = 3) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    words = [
        f"{kind}:{chr(0x4E00 + i)}{chr(0x4E00 + i * 7 % 300)}"
        for kind in "pwtg"
        for i in range(300)
    ]
    # Zipf-like use of words, repeats inside a bag, a few empty bags.
    return [
        [words[int(w) % len(words)] for w in rng.zipf(1.3, int(rng.integers(0, 40)))]
        for _ in range(n)
    ]


def _identity(bag: list[str]) -> list[str]:
    return bag


@pytest.mark.parametrize(("n", "min_df", "max_df"), [(30, 1, 1.0), (120, 2, 1.0), (600, 2, 0.2)])
def test_tfidf_equals_scikit_learn(n: int, min_df: int, max_df: float) -> None:
    bags = _bags(n)
    ours, names = tfidf(bags, min_df, max_df)
    vectorizer = TfidfVectorizer(
        analyzer=_identity, sublinear_tf=True, min_df=min_df, max_df=max_df, norm=None
    )
    theirs = vectorizer.fit_transform(bags)
    assert _same(ours, theirs)
    assert list(names) == list(vectorizer.get_feature_names_out())
    weights = diags(np.linspace(0.3, 2.0, len(names)))
    assert _same(
        normalize_rows(ours @ weights, copy=False), normalize(theirs @ weights, copy=False)
    )


def test_tfidf_without_terms_is_empty() -> None:
    x, names = tfidf([["a"], ["b"], []], min_df=2, max_df=1.0)
    assert x.shape == (3, 0) and len(names) == 0


def test_normalize_equals_scikit_learn_on_dense_rows() -> None:
    rng = np.random.default_rng(5)
    rows = rng.random((40, 300)) * (rng.random((40, 300)) < 0.1)
    rows[3] = 0.0
    rows[4, :2] = 1e-17
    assert np.array_equal(normalize_rows(rows), normalize(rows))


@pytest.mark.parametrize("n", [60, 3100])  # one block of rows, and several
def test_cosine_neighbours_equal_scikit_learn(n: int) -> None:
    x, _ = tfidf(_bags(n, seed=n), 2, 0.2 if n > 200 else 1.0)
    x = normalize_rows(x @ diags(np.linspace(0.3, 2.0, x.shape[1])))
    x = csr_matrix(np.vstack([x.toarray(), x[:7].toarray()]))  # equal rows: ties
    nn = NearestNeighbors(n_neighbors=16, metric="cosine", algorithm="brute").fit(x)
    with config_context(working_memory=64):
        dist, idx = nn.kneighbors(x)
    ours = cosine_neighbours(x, 16)
    assert np.array_equal(ours[0], dist) and np.array_equal(ours[1], idx)
