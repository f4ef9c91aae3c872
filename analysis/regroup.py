"""One problem at one place: regroup the graph's communities by the place they name, then by problem.

The neighbour graph mixes two signals: where (names) and what (words). A community can come out
holding several problems of one compound (its kindergarten, its parking, its metro exit), and one
problem of one place can come out as two communities when some messages are worded apart (the two
58车贷 messages that ask for "关注" instead of "立案进展"). So after Leiden:

1. every community whose members mostly name one place is cut again on the *problem* words alone
   (the place's own words left out), with the same graph and Leiden step but looser, so that only
   clearly different problems there come apart; a lone message rejoins the part whose problem it
   shares, if any;
2. communities whose members mostly name the same place or organisation (their primary name) are
   joined when their problem words overlap.

Communities that name no place (a policy, a fee) are left as the graph made them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from analysis.vectors import normalize_rows

# A name held by at least this share of a community's messages is what the community is about.
DOMINANT_SHARE = 0.5
# A community this small is one problem already.
MIN_SPLIT_NODES = 4

Partition = Callable[[object, Sequence[frozenset[str]]], list[list[int]]]


def dominant_names(nodes: Sequence[int], names: Sequence[frozenset[str]]) -> set[str]:
    counts: Counter[str] = Counter(n for v in nodes for n in names[v])
    return {n for n, c in counts.items() if c >= DOMINANT_SHARE * len(nodes)}


def primary_name(nodes: Sequence[int], names: Sequence[frozenset[str]]) -> str | None:
    """The name most of the community's messages give (ties: the shorter, which the longer holds)."""
    counts: Counter[str] = Counter(n for v in nodes for n in names[v])
    if not counts:
        return None
    name, count = min(counts.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))
    return name if count >= DOMINANT_SHARE * len(nodes) else None


def join_by_name(
    communities: list[list[int]],
    names: Sequence[frozenset[str]],
    word_x,
    words: Sequence[str],
    min_sim: float,
) -> list[list[int]]:
    """Join communities with the same primary name whose problem words overlap (centroid cosine
    without the name's own words at least `min_sim`). One primary name each: no chains across names."""
    column = _columns(words)
    by_name: dict[str, list[int]] = {}
    out: list[list[int]] = []
    for c, nodes in enumerate(communities):
        name = primary_name(nodes, names)
        if name is None:
            out.append(nodes)
        else:
            by_name.setdefault(name, []).append(c)
    for name, members in by_name.items():
        if len(members) == 1:
            out.append(communities[members[0]])
            continue
        rows = [i for i, c in enumerate(members) for _ in communities[c]]
        cols = [v for c in members for v in communities[c]]
        assign = csr_matrix(
            (np.ones(len(cols)), (rows, cols)), shape=(len(members), word_x.shape[0])
        )
        centroids = _without_names(assign @ word_x, column, {name})
        close = (centroids @ centroids.T).toarray() >= min_sim
        _, label = connected_components(csr_matrix(close), directed=False)
        joined: dict[int, list[int]] = {}
        for c, lab in zip(members, label, strict=True):
            joined.setdefault(int(lab), []).extend(communities[c])
        out.extend(joined.values())
    return out


def _columns(words: Sequence[str]) -> dict[str, list[int]]:
    """Word → its columns (a word has one as a title word and one as a word)."""
    column: dict[str, list[int]] = {}
    for i, w in enumerate(words):
        column.setdefault(w, []).append(i)
    return column


def _without_names(sub, column: dict[str, list[int]], held: set[str]):
    """Rows without the words that spell the community's own names (深业, 睿城 of 深业睿城)."""
    masked = [
        c
        for name in held
        for i in range(len(name))
        for j in range(i + 1, len(name) + 1)
        for c in column.get(name[i:j], ())
    ]
    sub = csr_matrix(sub, copy=True)
    if masked:
        sub.data[np.isin(sub.indices, masked)] = 0.0
        sub.eliminate_zeros()
    return normalize_rows(sub)


def split_by_problem(
    communities: list[list[int]],
    word_x,
    words: Sequence[str],
    names: Sequence[frozenset[str]],
    place_keys: Sequence[frozenset[str]],
    cluster: Partition,
    attach_min: float,
) -> list[list[int]]:
    """Cut each place-held community on its problem words; lone messages rejoin a part if close."""
    column = _columns(words)
    out: list[list[int]] = []
    for nodes in communities:
        held = dominant_names(nodes, names)
        if len(nodes) < MIN_SPLIT_NODES or not held:
            out.append(nodes)
            continue
        sub = _without_names(word_x[nodes], column, held)
        parts = cluster(sub, [place_keys[v] for v in nodes])
        if len(parts) == 1:
            out.append(nodes)
            continue
        groups = [[nodes[i] for i in p] for p in parts if len(p) > 1]
        if groups:
            centroids = normalize_rows(
                np.vstack([np.asarray(sub[p].sum(axis=0)) for p in parts if len(p) > 1])
            )
            for p in (p for p in parts if len(p) == 1):
                v = nodes[p[0]]
                sims = np.asarray(sub[p[0]] @ centroids.T).ravel()
                best = int(np.argmax(sims))
                if sims[best] >= attach_min:
                    groups[best].append(v)
                else:
                    out.append([v])
        else:
            out.extend([nodes[p[0]]] for p in parts)
        out.extend(groups)
    return out
