"""MinHash signatures of short Chinese texts, and LSH band keys for looking them up in a database.

Pure (numpy and datasketch only): the ledger's duplicate candidates store these signatures and
band keys at intake; the analysis's near-duplicate grouping works on the same shingles.

Shingles are k consecutive characters of the text without spaces and punctuation (Chinese needs
no tokenizer for this), each packed into one integer: three code points fit (code points are
< 2**21). datasketch hashes them with fixed affine permutations drawn once per Signer.
"""

from __future__ import annotations

import re

import numpy as np
from datasketch import MinHash

NUM_PERM = 64
BAND_ROWS = 2  # 32 bands of 2: a pair at Jaccard 0.3 shares a band with p = 1 - (1 - 0.3²)³² ≈ 0.95
_STRIP = re.compile(r"[\s\W_]+")
_BASE = np.uint64(1 << 21)
# odd 64-bit constants for mixing a band's values into one key (wrap-around multiplication)
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)


def compact(text: str) -> str:
    """The text without whitespace and punctuation: what shingles are taken from."""
    return _STRIP.sub("", text)


def shingles(text: str, k: int = 2, limit: int | None = None) -> np.ndarray:
    """The distinct character k-shingles (k ≤ 3) of the text, packed as sorted uint64."""
    chars = compact(text)[:limit]
    if len(chars) < k:
        return np.empty(0, dtype=np.uint64)
    cps = np.frombuffer(chars.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    packed = cps[: len(cps) - k + 1].copy()
    for offset in range(1, k):
        packed = packed * _BASE + cps[offset : len(cps) - k + 1 + offset]
    return np.unique(packed)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two shingle arrays from `shingles` (sorted, distinct)."""
    if not len(a) or not len(b):
        return 0.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)


def _identity(value: int) -> int:
    return value


class Signer:
    """MinHash signatures with one set of permutations (drawing them per text costs more than
    hashing the text). The permutations come from a fixed seed: signatures stored today compare
    with signatures made tomorrow."""

    def __init__(self, num_perm: int = NUM_PERM, seed: int = 1) -> None:
        self.num_perm = num_perm
        self._template = MinHash(
            num_perm=num_perm, seed=seed, hashfunc=_identity, scheme="affine64"
        )

    def minhash(self, packed: np.ndarray) -> MinHash:
        m = MinHash(
            num_perm=self.num_perm,
            hashfunc=_identity,
            scheme="affine64",
            permutations=self._template.permutations,
        )
        if len(packed):
            m.update_batch(packed.tolist())
        return m

    def signature(self, packed: np.ndarray) -> bytes:
        """The signature as compact bytes: the low 32 bits of each hash value (4 × num_perm
        bytes); a false match of two 32-bit values is one in four billion."""
        values = self.minhash(packed).hashvalues.astype(np.uint64)
        return (values & np.uint64(0xFFFFFFFF)).astype("<u4").tobytes()


def estimate(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures from `Signer.signature`."""
    va, vb = np.frombuffer(a, dtype="<u4"), np.frombuffer(b, dtype="<u4")
    return float(np.count_nonzero(va == vb)) / len(va) if len(va) == len(vb) else 0.0


def band_keys(signature: bytes, rows: int = BAND_ROWS) -> list[int]:
    """One key per band of `rows` values, band number mixed in: two signatures share a key when
    they agree on a whole band. Keys are signed 63-bit integers (a BIGINT column on every DB)."""
    values = np.frombuffer(signature, dtype="<u4").astype(np.uint64)
    bands = values[: len(values) // rows * rows].reshape(-1, rows)
    key = np.arange(len(bands), dtype=np.uint64) * _MIX[2]
    for column in range(rows):
        key = (key ^ bands[:, column]) * _MIX[column % 2]
    return (key >> np.uint64(1)).astype(np.int64).tolist()
