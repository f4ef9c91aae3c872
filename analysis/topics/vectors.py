"""TF-IDF, row normalisation and cosine nearest neighbours for topic discovery, in numpy and scipy.

The same arithmetic, in the same order, as scikit-learn's TfidfVectorizer (sublinear tf, smoothed
idf, no norm), normalize(norm="l2") and NearestNeighbors(metric="cosine", algorithm="brute"): the
same values to the last bit (tests/analysis/test_vectors.py compares them). Importing scikit-learn
costs about a second, an eighth of a `huiying hot-topics` run on 4,320 messages, for these three.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_array, csr_matrix, issparse

# Rows of distances worked on at once stay under this many MiB (scikit-learn's working_memory).
WORKING_MIB = 64


def tfidf(bags: Sequence[list[str]], min_df: int, max_df: float) -> tuple[csr_matrix, np.ndarray]:
    """Sublinear TF-IDF of bags of terms, columns in the terms' sorted order, and the terms.

    Terms in fewer than `min_df` bags or in more than `max_df` of them (a share) are dropped.
    """
    vocabulary: dict[str, int] = {}  # term → column, in order of first appearance
    indices: list[int] = []
    counts: list[int] = []
    indptr = [0]
    for bag in bags:
        seen: dict[int, int] = {}
        for term in bag:
            j = vocabulary.setdefault(term, len(vocabulary))
            seen[j] = seen.get(j, 0) + 1
        indices.extend(seen)
        counts.extend(seen.values())
        indptr.append(len(indices))
    n = len(bags)
    x = csr_array(
        (
            np.array(counts, dtype=np.float64),
            np.array(indices, dtype=np.int32),
            np.array(indptr, dtype=np.int32),
        ),
        shape=(n, len(vocabulary)),
    )
    x.sort_indices()
    df = np.bincount(x.indices, minlength=x.shape[1])
    kept = np.flatnonzero((df <= max_df * n) & (df >= min_df))
    if not len(kept):
        return csr_matrix((n, 0)), np.array([], dtype=object)
    x = x[:, kept]
    # Columns in the terms' sorted order.
    terms = np.array(list(vocabulary), dtype=object)[kept]
    order = np.array(sorted(range(len(terms)), key=terms.__getitem__), dtype=np.intp)
    column = np.empty(len(order), dtype=x.indices.dtype)
    column[order] = np.arange(len(order))
    x.indices = column.take(x.indices)
    np.log(x.data, out=x.data)
    x.data += 1.0
    # Smoothed idf: ln((n + 1) / (df + 1)) + 1.
    smoothed_df: np.ndarray = np.bincount(x.indices, minlength=x.shape[1]).astype(np.float64)
    smoothed_df += 1.0
    idf: np.ndarray = np.full_like(smoothed_df, n + 1)
    idf /= smoothed_df
    np.log(idf, out=idf)
    idf += 1.0
    x.data *= idf[x.indices]
    return csr_matrix(x), terms[order]


def normalize_rows(x, copy: bool = True):
    """Each row divided by its Euclidean length; rows of zeros stay as they are.

    Sparse rows sum their squares in stored order, dense rows with einsum, as scikit-learn does."""
    if issparse(x):
        x = csr_matrix(x, copy=copy)
        rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        norms = np.sqrt(np.bincount(rows, weights=x.data * x.data, minlength=x.shape[0]))
        norms[norms == 0.0] = 1.0
        x.data /= norms[rows]
        return x
    x = np.array(x, dtype=np.float64, copy=copy)
    norms = np.sqrt(np.einsum("ij,ij->i", x, x))
    norms[norms < 10 * np.finfo(np.float64).eps] = 1.0
    x /= norms[:, None]
    return x


def cosine_neighbours(x: csr_matrix, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Cosine distance to, and index of, each row's k nearest rows (itself included, nearest
    first), a block of rows at a time: never the whole n×n matrix."""
    n = x.shape[0]
    unit = normalize_rows(x)
    others = unit.T
    step = max(1, WORKING_MIB * 2**20 // (8 * n))
    dists, idxs = [], []
    for start in range(0, n, step):
        dist = (normalize_rows(x[start : start + step]) @ others).toarray()
        dist *= -1
        dist += 1
        np.clip(dist, 0.0, 2.0, out=dist)
        rows = np.arange(dist.shape[0])[:, None]
        idx = np.argpartition(dist, k - 1, axis=1)[:, :k]
        idx = idx[rows, np.argsort(dist[rows, idx])]
        dists.append(dist[rows, idx])
        idxs.append(idx)
    return np.vstack(dists), np.vstack(idxs)
