"""Topic discovery: near-duplicate groups, then Leiden communities on a sparse k-nearest-neighbour graph.

Steps (never a dense n×n matrix):
1. MinHash LSH groups near-duplicates; each group becomes one node, weighted by its size.
2. Each node gets a TF-IDF vector over words and place/organisation names (`analysis.topics.features`).
3. scikit-learn's NearestNeighbors finds each node's k most similar nodes (cosine, computed in
   chunks); pairs above SIM_MIN become weighted edges.
4. Leiden (leidenalg on igraph) with the Constant Potts Model finds dense communities: a community
   holds together only if its members are on average more similar than RESOLUTION, so two issues at
   two places are not merged through a shared word, and one place's issue is not split.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import igraph as ig
import leidenalg
import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from analysis.messages import Message
from analysis.topics.features import build_matrix, prefixed
from analysis.topics.neardup import near_duplicate_groups
from analysis.topics.regroup import (
    ProblemView,
    join_by_name,
    join_lone_to_burst,
    morphemes,
    split_by_problem,
)
from analysis.topics.sites import brand_grams, with_named_sites
from analysis.topics.terms import Terms, begins_with_common_word, core, site_key, terms_of, trigrams
from analysis.topics.vectors import cosine_neighbours, normalize_rows

K_NEIGHBOURS = 15
SIM_MIN = 0.25
RESOLUTION = 0.2
MERGE_SIM = 0.5
SPLIT_LOOSER = 0.5
SPLIT_MERGE_SIM = 0.2
JOIN_SIM = 0.2
# Pieces of words meet more easily than whole words: on hot_messages.csv the same messages' cosines
# to their topic's centroid run about 1.4 times higher on pieces, so pieces must agree more to join.
JOIN_PIECES_SIM = 0.3
PLACE_CONFLICT = 0.3
SEED = 20201
DENSE_ROWS = 400  # up to this many rows the neighbours come from one small dense product

Progress = Callable[[str], None]


@dataclass
class Cluster:
    """A discovered topic before hotness: its members and what names it."""

    members: list[int]  # indices into the input messages
    keywords: list[str]
    places: list[str]
    representative: int


class _Labeller:
    """Keywords and names most typical of a topic (frequency there × rarity overall).

    A near-duplicate group's messages share its terms: each group is counted once, times its size.
    Groups are taken in the order of their first message, so that terms with equal scores keep the
    order they first appear in (a set's order changes from run to run with Python's string hashing).
    """

    def __init__(
        self,
        node_terms: Sequence[Terms],
        node_members: Sequence[list[int]],
        node_sites: Sequence[set[str]] | None = None,
    ) -> None:
        self.node_terms = node_terms
        self.node_sites = node_sites or [set() for _ in node_terms]
        self.node_members = node_members
        self.n = sum(len(m) for m in node_members)
        self.df: Counter[str] = Counter()
        for t, members in zip(node_terms, node_members, strict=True):
            for w in set(t.title_words + t.words):
                self.df[w] += len(members)
        self.idf: dict[str, float] = {}  # rarity of a word, worked out once for all topics

    def _rarity(self, word: str) -> float:
        idf = self.idf.get(word)
        if idf is None:
            idf = self.idf[word] = np.log((self.n + 1) / (self.df[word] + 1)) + 1.0
        return idf

    def label(self, nodes: Sequence[int]) -> tuple[list[str], list[str]]:
        words: Counter[str] = Counter()
        written: list[tuple[int, set[str]]] = []  # (copies, the names a node gives)
        runs: list[tuple[int, set[str]]] = []  # (copies, the suffix-less name runs it gives)
        sites: set[str] = set()
        for v in sorted(nodes, key=lambda v: self.node_members[v][0]):
            t, copies = self.node_terms[v], len(self.node_members[v])
            # Title words count double: people name the issue in the title.
            for w in _distinct(t.title_words + t.words):
                words[w] += copies
            for w in _distinct(t.title_words):
                words[w] += copies
            written.append((copies, {core(p) for p in t.places + t.areas}))
            runs.append((copies, set(t.name_runs)))
            sites.update(core(p) for p in t.places if site_key(p))
            sites.update(self.node_sites[v])
        size = sum(len(self.node_members[v]) for v in nodes)

        def score(word: str) -> float:
            count = words[word]
            if count < 2 and size >= 2:  # one member's word does not describe the topic
                return 0.0
            return (count / size) * self._rarity(word)

        kw = sorted(words, key=lambda w: -score(w))
        # A name two different messages repeat: never in a single near-duplicate group.
        repeated = repeated_runs(runs, size) if len(nodes) > 1 else set()
        given = [
            (copies, names | (repeated & given_runs))
            for (copies, names), (_c, given_runs) in zip(written, runs, strict=True)
        ]
        return kw[:8], place_label(place_counts(given), size, sites | repeated, repeated)


# A suffix-less run names the topic's site when at least this share of its members give it.
RUN_SHARE = 0.5


def repeated_runs(runs: Sequence[tuple[int, set[str]]], size: int) -> set[str]:
    """Suffix-less name runs (南山十里天池) that at least half of a topic's members write, in two or
    more messages that are not copies of one another; a longer run gives every run it holds. One
    message's run of place words is often not a name (依规严肃处理); one that people keep repeating
    is what they are writing about."""
    members = place_counts(runs)
    messages = place_counts([(1, given) for _copies, given in runs])
    return {p for p, n in members.items() if messages[p] >= 2 and n >= RUN_SHARE * size}


def place_counts(written: Sequence[tuple[int, set[str]]]) -> Counter[str]:
    """How many members give each name in any spelling that holds it: 城际空间站 counts the members
    that write 绿地城际空间站 and those that write 地绿城际空间站."""
    names = {p for _copies, given in written for p in given}
    counts: Counter[str] = Counter()
    for copies, given in written:
        # The names each spelling holds, from its substrings: a big topic gives thousands of names.
        held = {q[i:j] for q in given for i in range(len(q)) for j in range(i + 1, len(q) + 1)}
        for p in held & names:
            counts[p] += copies
    return counts


def place_label(
    counts: Counter[str],
    size: int,
    sites: set[str],
    runs: AbstractSet[str] = frozenset(),
    limit: int = 3,
) -> list[str]:
    """The names that say where a topic is: the most frequent name among its members first.

    One place is written several ways: a longer spelling that holds a frequent one stands for it
    when at least half as many members give it (伊景园滨河苑 for 伊景园, 四区凉塘路 for 凉塘路), unless
    what comes before is an ordinary word the segmenter glued on (距离绿地海外滩). A topic is at one
    site: once a site (compound, school, village) is named, other sites are the ones messages
    compare theirs with and are left out; streets and organisations stay as context. A name given
    by under half as many members as the first, or by under a third of all members, does not name
    the topic. `runs` are sites recognised without a suffix (`repeated_runs`): on equal counts a
    name rebuilt from its suffix comes first. The arguments are left as they are: a spelling's
    count and site-ness are taken over in copies."""
    counts = Counter(counts)
    sites = set(sites)
    kept: list[str] = []
    # Equally frequent: a site before a street or an organisation, a fuller spelling first.
    for p in sorted(counts, key=lambda p: (-counts[p], p not in sites, p in runs, -len(p), p)):
        if counts[p] * 3 < size or (kept and counts[p] * 2 < counts[kept[0]]):
            break
        held = [k for k in kept if k in p]
        if held:
            k = held[0]
            if counts[p] * 2 >= counts[k] and not begins_with_common_word(p[: p.index(k)]):
                # p stands for every kept spelling it holds (伊景园滨河苑 for 滨河苑 and 伊景园滨河).
                kept = [p if q == k else q for q in kept if q == k or q not in held]
                counts[p] = max(counts[p], counts[k])  # the place's count, not this spelling's
                if k in sites:
                    sites.add(p)
            continue
        if any(p in k for k in kept) or (p in sites and any(k in sites for k in kept)):
            continue
        kept.append(p)
    return kept[:limit]


def _distinct(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def discover(
    messages: Sequence[Message],
    *,
    progress: Progress | None = None,
    sim_min: float = SIM_MIN,
    resolution: float = RESOLUTION,
) -> list[Cluster]:
    """Group messages into topics; singletons are returned too (callers rank and cut).

    `sim_min` and `resolution` default to the values for hot issues (one problem at one place);
    questions about one policy are worded more freely and use lower ones (analysis.monthly.candidates).
    """
    say = progress or (lambda _m: None)
    n = len(messages)
    if n == 0:
        return []
    say(f"近似重复分组：{n} 条")
    labels = near_duplicate_groups(
        [m.text for m in messages], progress=lambda i: say(f"近似重复分组：已处理 {i}/{n} 条")
    )
    # One node per near-duplicate group; its first message stands for it.
    first: dict[int, int] = {}
    for i, lab in enumerate(labels):
        first.setdefault(int(lab), i)
    node_of_label = {lab: k for k, lab in enumerate(first)}
    node_msgs = list(first.values())
    say(f"分词与特征：{len(node_msgs)} 组")
    node_terms = [terms_of(messages[i].title, messages[i].body) for i in node_msgs]
    node_terms, node_sites = with_named_sites(node_terms, [messages[i] for i in node_msgs])
    x, feature_names = build_matrix([prefixed(t) for t in node_terms])
    node_members: list[list[int]] = [[] for _ in node_msgs]
    for i, lab in enumerate(labels):
        node_members[node_of_label[int(lab)]].append(i)

    say("近邻图与社区发现")
    brands = brand_grams(node_sites)
    place_keys = [frozenset(_site_grams(keys) - brands) for keys in node_sites]
    communities = _communities(x, sim_min, resolution, place_keys)
    names = [
        frozenset(({core(p) for p in t.places if not site_key(p)} | keys) - brands)
        for t, keys in zip(node_terms, node_sites, strict=True)
    ]
    # How the messages write their places (cores of names and areas, site keys): left out of the
    # problem words of a place-held community.
    spellings = [
        frozenset({core(p) for p in t.places + t.areas} | set(t.place_words) | keys)
        for t, keys in zip(node_terms, node_sites, strict=True)
    ]
    # The problem is told by the words alone: names are what the communities already share.
    words = [i for i, f in enumerate(feature_names) if f[:2] in {"t:", "w:"}]
    problem_words = [str(feature_names[i])[2:] for i in words]
    pieces_x, pieces = morphemes(x[:, words], problem_words)
    # Within one place only clearly different problems are cut apart: a looser graph and merge
    # than between places, or one problem worded two ways would become two topics.
    communities = split_by_problem(
        communities,
        pieces_x,
        pieces,
        names,
        spellings,
        place_keys,
        lambda sub, keys: _communities(
            sub, sim_min * SPLIT_LOOSER, resolution * SPLIT_LOOSER, keys, SPLIT_MERGE_SIM
        ),
        attach_min=sim_min * SPLIT_LOOSER,
    )
    views = [
        ProblemView(x[:, words], problem_words, JOIN_SIM),
        ProblemView(pieces_x, pieces, JOIN_PIECES_SIM),
    ]
    communities = join_by_name(communities, names, spellings, views)
    communities = join_lone_to_burst(
        communities, names, spellings, views[0], _node_times(messages, node_members)
    )
    labeller = _Labeller(node_terms, node_members, node_sites)
    clusters: list[Cluster] = []
    for nodes in communities:
        members = sorted(i for node in nodes for i in node_members[node])
        keywords, places = labeller.label(nodes)
        rep = _representative(nodes, node_members, x)
        clusters.append(Cluster(members, keywords, places, rep))
    return clusters


def _node_times(
    messages: Sequence[Message], node_members: Sequence[list[int]]
) -> list[tuple[float, float] | None]:
    """First and last posting time of each node's messages (timestamps), None if none is dated."""
    out: list[tuple[float, float] | None] = []
    for members in node_members:
        times = [t.timestamp() for i in members if (t := messages[i].posted_at) is not None]
        out.append((min(times), max(times)) if times else None)
    return out


def _site_grams(keys: set[str]) -> set[str]:
    return {g for k in keys for g in ([k] if len(k) <= 3 else trigrams(k))}


def _knn(x, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Cosine similarity to, and index of, each row's k nearest rows (itself included)."""
    n = x.shape[0]
    if n <= DENSE_ROWS:
        # One community's messages: a small block, where the index would cost more than it saves.
        x = normalize_rows(x)
        sims = np.asarray((x @ x.T).todense() if hasattr(x, "todense") else x @ x.T)
        idx = (
            np.argpartition(-sims, k - 1, axis=1)[:, :k] if k < n else np.tile(np.arange(n), (n, 1))
        )
        near = np.take_along_axis(sims, idx, axis=1)
        order = np.argsort(-near, axis=1, kind="stable")  # nearest first, as the index gives them
        return np.take_along_axis(near, order, axis=1), np.take_along_axis(idx, order, axis=1)
    # Distances are computed a block of rows at a time; a small block keeps peak memory low.
    dist, idx = cosine_neighbours(x, k)
    return 1.0 - dist, idx


def _communities(
    x,
    sim_min: float,
    resolution: float,
    place_keys: Sequence[frozenset[str]],
    merge_sim: float = MERGE_SIM,
) -> list[list[int]]:
    n = x.shape[0]
    if n == 1 or x.shape[1] == 0:
        return [[i] for i in range(n)]
    k = min(K_NEIGHBOURS + 1, n)
    sim, idx = _knn(x, k)
    rows = np.repeat(np.arange(n), k)
    cols = idx.ravel()
    w = sim.ravel()
    keep = (rows != cols) & (w >= sim_min)
    a, b = np.minimum(rows[keep], cols[keep]), np.maximum(rows[keep], cols[keep])
    pairs = {}
    for u, v, s in zip(a.tolist(), b.tolist(), w[keep].tolist(), strict=True):
        # Two messages that each name a site, and not the same one, are about two issues even
        # when they describe the same kind of problem (noise at two compounds, water at two).
        if place_keys[u] and place_keys[v] and not place_keys[u] & place_keys[v]:
            s *= PLACE_CONFLICT
        pairs[(u, v)] = s
    graph = ig.Graph(n=n, edges=list(pairs), directed=False)
    graph.es["weight"] = list(pairs.values())
    part = leidenalg.find_partition(
        graph,
        leidenalg.CPMVertexPartition,
        weights="weight",
        resolution_parameter=resolution,
        seed=SEED,
        n_iterations=2,
    )
    return _merge_close([list(c) for c in part], x, place_keys, merge_sim)


def _dominant_sites(nodes: list[int], place_keys: Sequence[frozenset[str]]) -> set[str]:
    """Site keys held by at least a third of the community's nodes."""
    counts: Counter[str] = Counter(k for v in nodes for k in place_keys[v])
    return {k for k, n in counts.items() if n * 3 >= len(nodes)}


def _merge_close(
    communities: list[list[int]], x, place_keys: Sequence[frozenset[str]], merge_sim: float
) -> list[list[int]]:
    """Join communities whose centroids are close: CPM on a k-NN graph caps a community's size near
    k·similarity/resolution, so one big issue would otherwise come out as several topics. Two
    communities that each have their own site are not joined."""
    if len(communities) < 2:
        return communities
    member = np.zeros(x.shape[0], dtype=np.int64)
    for c, nodes in enumerate(communities):
        member[nodes] = c
    assign = csr_matrix(
        (np.ones(x.shape[0]), (member, np.arange(x.shape[0]))), shape=(len(communities), x.shape[0])
    )
    centroids = normalize_rows(assign @ x)
    k = min(K_NEIGHBOURS, len(communities))
    sim, idx = _knn(centroids, k)
    rows = np.repeat(np.arange(len(communities)), k)
    cols = idx.ravel()
    sites = [_dominant_sites(nodes, place_keys) for nodes in communities]
    keep = sim.ravel() >= merge_sim
    keep &= np.array(
        [
            not (sites[a] and sites[b] and not sites[a] & sites[b])
            for a, b in zip(rows, cols, strict=True)
        ],
        dtype=bool,
    )
    graph = coo_matrix(
        (np.ones(int(keep.sum())), (rows[keep], cols[keep])),
        shape=(len(communities), len(communities)),
    )
    _, label = connected_components(graph, directed=False)
    merged: dict[int, list[int]] = {}
    for c, nodes in enumerate(communities):
        merged.setdefault(int(label[c]), []).extend(nodes)
    return list(merged.values())


def _representative(nodes: list[int], node_members: list[list[int]], x) -> int:
    """The message of the node closest to the community's centroid (largest group on ties)."""
    if len(nodes) == 1:
        return node_members[nodes[0]][0]
    sub = x[nodes]
    centroid = np.asarray(sub.mean(axis=0)).ravel()
    scores = sub @ centroid + 1e-6 * np.array([len(node_members[v]) for v in nodes])
    return node_members[nodes[int(np.argmax(scores))]][0]
