"""Near-duplicate grouping (the same complaint re-posted, copied across channels) with MinHash LSH.

Cheap and run first: clustering then works on one representative per group, so a message pasted a
hundred times costs one node, not a hundred.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

import numpy as np
from datasketch import MinHash, MinHashLSH
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

NUM_PERM = 64
THRESHOLD = 0.7  # estimated Jaccard of character 3-shingles
SHINGLE_CHARS = 600
_STRIP = re.compile(r"[\s\W_]+")
# Shingle ids: three code points packed into one integer (code points are < 2**21).
_BASE = np.uint64(1 << 21)
# MurmurHash3's 64-bit finalizer: datasketch's pre-mix of hash values in its "affine64" scheme.
_FMIX_SHIFT = np.uint64(33)
_FMIX_MUL = (np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))
# Texts hashed together: their block of shingles × NUM_PERM values stays under 20 MiB.
BATCH = 64


def shingles(text: str) -> np.ndarray:
    """Character 3-shingles of the text without spaces and punctuation, as integers (at least one)."""
    compact = _STRIP.sub("", text)[:SHINGLE_CHARS]
    if len(compact) < 3:
        return np.array([sum(ord(c) << (21 * k) for k, c in enumerate(compact))], dtype=np.uint64)
    cps = np.frombuffer(compact.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return (cps[:-2] * _BASE + cps[1:-1]) * _BASE + cps[2:]


def signatures(shingle_sets: Sequence[np.ndarray], permutations: np.ndarray) -> np.ndarray:
    """MinHash values of each set, one row per set: what datasketch's MinHash.update_batch gives
    with the "affine64" scheme and these permutations, for many sets in a few numpy operations
    (update_batch calls the hash function once per shingle, in Python)."""
    a, b = permutations
    flat = np.concatenate(shingle_sets)
    for mul in _FMIX_MUL:
        flat = (flat ^ (flat >> _FMIX_SHIFT)) * mul
    flat ^= flat >> _FMIX_SHIFT
    starts = np.cumsum([0, *(len(s) for s in shingle_sets[:-1])])
    return np.minimum.reduceat(flat[:, None] * a + b, starts, axis=0)


def _identity(value: int) -> int:
    return value


def near_duplicate_groups(
    texts: Sequence[str], *, progress: Callable[[int], None] | None = None
) -> np.ndarray:
    """Group label per text: texts whose estimated Jaccard similarity ≥ THRESHOLD share a label.

    Groups are the connected components of the "LSH candidate and similar enough" relation, so
    chains of small edits still end in one group.
    """
    n = len(texts)
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    hashes: list[MinHash] = []
    rows: list[int] = []
    cols: list[int] = []
    for i, m in enumerate(_minhashes(texts)):
        for j in lsh.query(m):
            if m.jaccard(hashes[j]) >= THRESHOLD:
                rows.append(i)
                cols.append(j)
        lsh.insert(i, m, check_duplication=False)
        hashes.append(m)
        if progress and (i + 1) % 5000 == 0:
            progress(i + 1)
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels


def _minhashes(texts: Sequence[str]) -> Iterator[MinHash]:
    # Permutations are drawn once: building them per MinHash costs more than hashing the text.
    template = MinHash(num_perm=NUM_PERM, hashfunc=_identity, scheme="affine64")
    for start in range(0, len(texts), BATCH):
        block = signatures(
            [shingles(t) for t in texts[start : start + BATCH]], template.permutations
        )
        for values in block:
            yield MinHash(
                num_perm=NUM_PERM,
                hashfunc=_identity,
                scheme="affine64",
                permutations=template.permutations,
                hashvalues=values,
            )
