"""Near-duplicate grouping (the same complaint re-posted, copied across channels) with MinHash LSH.

Cheap and run first: clustering then works on one representative per group, so a message pasted a
hundred times costs one node, not a hundred.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

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


def shingles(text: str) -> list[int]:
    """Character 3-shingles of the text without spaces and punctuation, as integers."""
    compact = _STRIP.sub("", text)[:SHINGLE_CHARS]
    if len(compact) < 3:
        return [sum(ord(c) << (21 * k) for k, c in enumerate(compact))]
    cps = np.frombuffer(compact.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    packed = (cps[:-2] * _BASE + cps[1:-1]) * _BASE + cps[2:]
    return np.unique(packed).tolist()


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
    # Permutations are drawn once: building them per MinHash costs more than hashing the text.
    template = MinHash(num_perm=NUM_PERM, hashfunc=_identity, scheme="affine64")
    for i, text in enumerate(texts):
        m = MinHash(
            num_perm=NUM_PERM,
            hashfunc=_identity,
            scheme="affine64",
            permutations=template.permutations,
        )
        m.update_batch(shingles(text))
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
