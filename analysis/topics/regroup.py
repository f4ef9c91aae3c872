"""One problem at one place: regroup the graph's communities by the place they name, then by problem.

The neighbour graph mixes two signals: where (names) and what (words). A community can come out
holding several problems of one compound (its kindergarten, its parking, its metro exit), and one
problem of one place can come out as two communities when some messages are worded apart (the two
58车贷 messages that ask for "关注" instead of "立案进展"). So after Leiden:

1. every community whose members mostly name one place is cut again on the *problem* alone, with
   the same graph and Leiden step but looser, so that only clearly different problems there come
   apart; a lone message rejoins the part whose problem it shares, if any;
2. communities whose members mostly name the same place or organisation (their primary name) are
   joined when their problems overlap;
3. a lone message about a place joins a topic there that was under way when it was sent, if it is
   close to one of that topic's messages (`join_lone_to_burst`).

The problem is told by the words without every spelling of the place (丽发 and 丽发新城, 云时代 and
长房云时代, 新城 of 新城国际花都: `spellings`), and by the words' two-character pieces (`morphemes`),
because one problem is written with different compounds (垃圾站 and 垃圾楼, 油烟 and 油烟味). Before,
a place word left among the problem words (长房 when only 云时代 was left out) made every problem of
a compound look alike, and the compound's garbage station, cracked floors and kindergarten came out
as one topic.

Communities that name no place (a policy, a fee) are left as the graph made them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from analysis.topics.vectors import normalize_rows

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


def held_spellings(nodes: Sequence[int], spellings: Sequence[frozenset[str]]) -> set[str]:
    """Every way most of the community's messages write its place: its names and keys (丽发, 云时代)
    and the names as written (丽发新城, 长房云时代). Their words say where, not what happened."""
    return dominant_names(nodes, spellings)


class ProblemView(NamedTuple):
    """Problem vectors of the nodes, their columns' labels, and the centroid cosine that joins."""

    x: csr_matrix
    labels: Sequence[str]
    min_sim: float


def join_by_name(
    communities: list[list[int]],
    names: Sequence[frozenset[str]],
    spellings: Sequence[frozenset[str]],
    views: Sequence[ProblemView],
) -> list[list[int]]:
    """Join communities with the same primary name whose problems overlap: centroid cosine without
    the place's words at least the view's `min_sim` in any view (whole words, or their pieces,
    which must agree more). One primary name each: no chains across names.

    Two communities are compared without the words of every spelling of the place both hold, not
    only the primary name: with only 云时代 left out, 长房 of 长房云时代 joined the compound's every
    problem into one topic. A place only one of them names (星沙 or 松雅 on the same metro line)
    stays in: it tells them apart."""
    by_name: dict[str, list[int]] = {}
    out: list[list[int]] = []
    for c, nodes in enumerate(communities):
        name = primary_name(nodes, names)
        if name is None:
            out.append(nodes)
        else:
            by_name.setdefault(name, []).append(c)
    columns = [_columns(view.labels) for view in views]
    # Each community's summed rows, all at once: one product per view, not a slice per community.
    rows = [c for c, nodes in enumerate(communities) for _ in nodes]
    assign = csr_matrix(
        (np.ones(len(rows)), (rows, [v for nodes in communities for v in nodes])),
        shape=(len(communities), views[0].x.shape[0]) if views else (0, 0),
    )
    sums = [csr_matrix(assign @ view.x) for view in views]
    for name, members in by_name.items():
        if len(members) == 1:
            out.append(communities[members[0]])
            continue
        held = [held_spellings(communities[c], spellings) | {name} for c in members]
        close = np.zeros((len(members), len(members)), dtype=bool)
        for view, column, summed in zip(views, columns, sums, strict=True):
            place_columns = [set(_name_columns(h, column)) for h in held]
            close |= _cosines_without_shared(summed[members], place_columns) >= view.min_sim
        _, label = connected_components(csr_matrix(close), directed=False)
        joined: dict[int, list[int]] = {}
        for c, lab in zip(members, label, strict=True):
            joined.setdefault(int(lab), []).extend(communities[c])
        out.extend(joined.values())
    return out


def _cosines_without_shared(rows: csr_matrix, place_columns: list[set[int]]) -> np.ndarray:
    """Cosine of each pair of rows without the columns that spell a place both rows hold: the
    plain products less what those columns add, for all pairs at once."""
    dots = (rows @ rows.T).toarray()
    union = sorted(set().union(*place_columns))
    if not union:
        held = np.zeros((rows.shape[0], 0))
        values = held
    else:
        at = {c: k for k, c in enumerate(union)}
        held = np.zeros((rows.shape[0], len(union)))
        for i, cols in enumerate(place_columns):
            held[i, [at[c] for c in cols]] = 1.0
        values = rows[:, union].toarray() * held
    shared_dots = values @ values.T
    # [a, b]: what a's squared length loses without the place columns a shares with b.
    shared_squares = (values * values) @ held.T
    squares = np.diag(dots)
    lengths = np.sqrt(
        np.clip(squares[:, None] - shared_squares, 0.0, None)
        * np.clip(squares[None, :] - shared_squares.T, 0.0, None)
    )
    sims = np.zeros_like(dots)
    np.divide(dots - shared_dots, lengths, out=sims, where=lengths > 0)
    return sims


def morphemes(word_x, words: Sequence[str]) -> tuple[csr_matrix, list[str]]:
    """Word columns summed into columns of their two-character pieces, rows normalised.

    Chinese says one problem with many compounds of the same morphemes (垃圾站, 垃圾楼; 油烟, 油烟味;
    搅拌站, 搅拌厂): as whole words they share nothing, as pieces they meet."""
    piece_col: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for j, w in enumerate(words):
        for piece in dict.fromkeys([w[i : i + 2] for i in range(len(w) - 1)] or [w]):
            rows.append(j)
            cols.append(piece_col.setdefault(piece, len(piece_col)))
    to_pieces = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(words), len(piece_col)))
    return normalize_rows(word_x @ to_pieces), list(piece_col)


def _columns(words: Sequence[str]) -> dict[str, list[int]]:
    """Word → its columns (a word has one as a title word and one as a word)."""
    column: dict[str, list[int]] = {}
    for i, w in enumerate(words):
        column.setdefault(w, []).append(i)
    return column


def _name_columns(held: set[str], column: dict[str, list[int]]) -> list[int]:
    """Columns of the words that spell the names (深业, 睿城 of 深业睿城)."""
    return [
        c
        for name in held
        for i in range(len(name))
        for j in range(i + 1, len(name) + 1)
        for c in column.get(name[i:j], ())
    ]


def _without_names(sub, column: dict[str, list[int]], held: set[str]):
    """Rows without the words that spell the community's own names (深业, 睿城 of 深业睿城)."""
    masked = _name_columns(held, column)
    sub = csr_matrix(sub, copy=True)
    if masked:
        sub.data[np.isin(sub.indices, masked)] = 0.0
        sub.eliminate_zeros()
    return normalize_rows(sub)


def split_by_problem(
    communities: list[list[int]],
    problem_x,
    labels: Sequence[str],
    names: Sequence[frozenset[str]],
    spellings: Sequence[frozenset[str]],
    place_keys: Sequence[frozenset[str]],
    cluster: Partition,
    attach_min: float,
) -> list[list[int]]:
    """Cut each place-held community on its problem (`problem_x`, columns named by `labels`), the
    place's spellings left out; lone messages rejoin a part if close."""
    column = _columns(labels)
    out: list[list[int]] = []
    for nodes in communities:
        held = dominant_names(nodes, names)
        if len(nodes) < MIN_SPLIT_NODES or not held:
            out.append(nodes)
            continue
        sub = _without_names(problem_x[nodes], column, held | held_spellings(nodes, spellings))
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


def join_lone_to_burst(
    communities: list[list[int]],
    names: Sequence[frozenset[str]],
    spellings: Sequence[frozenset[str]],
    view: ProblemView,
    node_times: Sequence[tuple[float, float] | None],
) -> list[list[int]]:
    """A lone message about a place joins a topic at that place that many people were writing
    about when it was sent, if its problem words are as close to one member's as two topics'
    must be to join (`view.min_sim`).

    One problem gets reworded (a "工厂" that is noisy and dusty, for the 搅拌站 fifty others name):
    the centroid of a big topic is its most repeated words, which a reworded message misses, but
    it is still near some member. The time keeps the place's other, older problems apart: the
    compound's road or garbage station months before the burst stays its own topic.
    `node_times[v]` is (first, last) posting time of node v as timestamps, or None."""
    primaries = [primary_name(nodes, names) for nodes in communities]
    bursts: dict[str, list[int]] = {}
    for c, nodes in enumerate(communities):
        name = primaries[c]
        if name is not None and len(nodes) >= MIN_SPLIT_NODES:
            bursts.setdefault(name, []).append(c)
    column = _columns(view.labels)
    joined: dict[int, list[int]] = {}
    for c, nodes in enumerate(communities):
        name = primaries[c]
        when = node_times[nodes[0]] if len(nodes) == 1 else None
        if name is None or when is None or name not in bursts:
            continue
        best, target = view.min_sim, None
        for b in bursts[name]:
            spans = [s for v in communities[b] if (s := node_times[v]) is not None]
            if not spans or not min(s[0] for s in spans) <= when[0] <= max(s[1] for s in spans):
                continue
            members = communities[b]
            held = set(spellings[nodes[0]]) | held_spellings(members, spellings)
            rows = _without_names(view.x[[nodes[0], *members]], column, held)
            sims = np.asarray((rows[1:] @ rows[0].T).todense()).ravel()
            if len(sims) and sims.max() >= best:
                best, target = float(sims.max()), b
        if target is not None:
            joined.setdefault(target, []).append(c)
    if not joined:
        return communities
    moved = {c for lone in joined.values() for c in lone}
    return [
        nodes + [v for lone in joined.get(c, []) for v in communities[lone]]
        for c, nodes in enumerate(communities)
        if c not in moved
    ]
