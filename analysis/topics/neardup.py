"""Near-duplicate grouping (the same complaint re-posted, copied across channels) with MinHash LSH.

Cheap and run first: clustering then works on one representative per group, so a message pasted a
hundred times costs one node, not a hundred.

The MinHash values and the LSH bands are datasketch's (MinHash with the "affine64" scheme and seed 1,
MinHashLSH at THRESHOLD), computed for all texts at once in numpy: datasketch hashes shingle by
shingle and looks bands up text by text in Python, which cost more than the rest of this step.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import combinations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

NUM_PERM = 64
THRESHOLD = 0.7  # estimated Jaccard of character 3-shingles
# datasketch's MinHashLSH for THRESHOLD and NUM_PERM (false positives and negatives weighed
# equally) uses 8 bands of 8 values: two texts are compared when one band is equal.
BANDS, ROWS = 8, 8
SHINGLE_CHARS = 600
_STRIP = re.compile(r"[\s\W_]+")
# Shingle ids: three code points packed into one integer (code points are < 2**21).
_BASE = np.uint64(1 << 21)
# MurmurHash3's 64-bit finalizer: datasketch's pre-mix of hash values in its "affine64" scheme.
_FMIX_SHIFT = np.uint64(33)
_FMIX_MUL = (np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))
# Texts hashed together: their block of shingles × NUM_PERM values stays under 20 MiB.
BATCH = 64
# Candidate pairs compared at once (each comparison holds NUM_PERM booleans).
PAIR_BLOCK = 1 << 16


def shingles(text: str) -> np.ndarray:
    """Character 3-shingles of the text without spaces and punctuation, as integers (at least one)."""
    compact = _STRIP.sub("", text)[:SHINGLE_CHARS]
    if len(compact) < 3:
        return np.array([sum(ord(c) << (21 * k) for k, c in enumerate(compact))], dtype=np.uint64)
    cps = np.frombuffer(compact.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return (cps[:-2] * _BASE + cps[1:-1]) * _BASE + cps[2:]


@lru_cache(maxsize=1)
def permutations(seed: int = 1) -> np.ndarray:
    """The affine permutations (a odd, b) datasketch's MinHash(seed=seed, scheme="affine64") draws."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 63, NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = gen.randint(0, 1 << 64, NUM_PERM, dtype=np.uint64)
    return np.array([a, b])


def signatures(shingle_sets: Sequence[np.ndarray], perms: np.ndarray) -> np.ndarray:
    """MinHash values of each set, one row per set: what datasketch's MinHash.update_batch gives
    with the "affine64" scheme and these permutations."""
    a, b = perms
    flat = np.concatenate(shingle_sets)
    for mul in _FMIX_MUL:
        flat = (flat ^ (flat >> _FMIX_SHIFT)) * mul
    flat ^= flat >> _FMIX_SHIFT
    starts = np.cumsum([0, *(len(s) for s in shingle_sets[:-1])])
    values = a[:, None] * flat  # one row per permutation: the minima run along memory
    values += b[:, None]
    return np.minimum.reduceat(values, starts, axis=1).T


def near_duplicate_groups(
    texts: Sequence[str], *, progress: Callable[[int], None] | None = None
) -> np.ndarray:
    """Group label per text: texts whose estimated Jaccard similarity ≥ THRESHOLD share a label.

    Groups are the connected components of the "LSH candidate and similar enough" relation, so
    chains of small edits still end in one group.
    """
    n = len(texts)
    if n == 0:
        return np.zeros(0, dtype=np.int32)
    sig = np.empty((n, NUM_PERM), dtype=np.uint64)
    for start in range(0, n, BATCH):
        block = [shingles(t) for t in texts[start : start + BATCH]]
        sig[start : start + len(block)] = signatures(block, permutations())
        if progress and (start + BATCH) // 5000 > start // 5000:
            progress(min(n, (start + BATCH) // 5000 * 5000))
    # Equal signatures are near-duplicates already (estimated Jaccard 1): one row each from here.
    sig, inverse = np.unique(sig, axis=0, return_inverse=True)
    m = len(sig)
    pairs = _candidate_pairs(sig)
    similar = np.zeros(len(pairs), dtype=bool)
    for s in range(0, len(pairs), PAIR_BLOCK):
        i, j = pairs[s : s + PAIR_BLOCK].T
        agree = np.count_nonzero(sig[i] == sig[j], axis=1)
        similar[s : s + PAIR_BLOCK] = agree / NUM_PERM >= THRESHOLD
    rows, cols = pairs[similar].T
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(m, m))
    _, labels = connected_components(graph, directed=False)
    return labels[inverse.ravel()]


def _candidate_pairs(sig: np.ndarray) -> np.ndarray:
    """Distinct pairs (i < j) of rows that agree on all values of at least one band."""
    found: list[np.ndarray] = [np.zeros((0, 2), dtype=np.int64)]
    for band in range(BANDS):
        values = np.ascontiguousarray(sig[:, band * ROWS : (band + 1) * ROWS])
        keys = values.view(np.dtype((np.void, values.itemsize * ROWS))).ravel()
        _, bucket, sizes = np.unique(keys, return_inverse=True, return_counts=True)
        rows = np.flatnonzero(sizes[bucket] > 1)
        if not len(rows):
            continue
        order = rows[np.argsort(bucket[rows], kind="stable")]
        ends = np.cumsum(sizes[sizes > 1])
        for members in np.split(order, ends[:-1]):
            found.append(np.array(list(combinations(members.tolist(), 2)), dtype=np.int64))
    return np.unique(np.concatenate(found), axis=0)
