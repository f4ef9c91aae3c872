"""Likely duplicates: the same request sent twice, or through two channels. Found once, at intake.

Each new or changed item gets a MinHash signature of its character bigrams (classifier.minhash)
and 32 LSH band keys, stored as indexed rows (duplicate_band): finding an item's candidates is one
index lookup per key among items received within 90 days, never a pass over all items, and the
index grows by one batch at a time. datasketch makes the signatures; its own MinHashLSH keeps the
index in memory (or Redis/Cassandra), which would be rebuilt from every item in each process,
hence band rows in our database. Candidates sharing a band are checked with the exact bigram
Jaccard similarity (at most MAX_CHECKED per item, most shared bands first); pairs at or above
THRESHOLD are stored in both directions (duplicate_candidate). Pages read those rows, filtered by
what the reader may see (per 处室) and without merged items (a merged item already points at its
original; an undone merge shows it again). Closed items stay: a re-post of an answered complaint
is worth seeing with its answer.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

import numpy as np
import sqlalchemy as sa
from sqlalchemy import Connection, delete, func, select
from sqlalchemy.orm import Session, aliased, load_only

from classifier import minhash
from ledger.bulk import insert_rows
from ledger.models import (
    DuplicateBand,
    DuplicateCandidate,
    Item,
    ItemSignature,
    ItemStatus,
    User,
)
from ledger.models.org import utcnow
from ledger.queries import visible_items
from ledger.types import UTCDateTime

WINDOW = timedelta(days=90)
THRESHOLD = 0.3  # exact Jaccard of character bigrams over title and body
MAX_CHECKED = 50  # candidates checked exactly per item
_CHUNK = 500  # bound parameters per IN list (SQLite's limit is 32766, older builds 999)
_SIGNER = minhash.Signer()
# Shingles of recently indexed texts, by (item id, content hash): a text is stored with its hash,
# so the pair names it exactly. In a crawl most candidates are items of the crawl's earlier
# batches; re-reading and re-shingling their texts was about a tenth of the index's time.
_SHINGLE_CACHE: OrderedDict[tuple[int, str], np.ndarray] = OrderedDict()
_SHINGLE_CACHE_SIZE = 20_000  # about 2 KB each

# The item columns this module reads, as a plain table: the backfill migration uses it too,
# and must not depend on the Item model of a later revision.
_item = sa.table(
    "item",
    sa.column("id", sa.Integer),
    sa.column("title", sa.String),
    sa.column("body", sa.Text),
    sa.column("received_at", UTCDateTime()),
    sa.column("content_hash", sa.String),
)

Db = Session | Connection


@dataclass(frozen=True)
class Duplicate:
    item: Item
    score: float


@dataclass
class _Doc:
    id: int
    title: str
    body: str
    received_at: datetime
    content_hash: str


def _table(model: type[ItemSignature | DuplicateBand | DuplicateCandidate]) -> sa.Table:
    """The model's table: rows go in through Core, skipping the ORM's per-row bulk bookkeeping
    (about a third of the time of these many small rows)."""
    return cast(sa.Table, model.__table__)


def _shingles(doc: _Doc) -> np.ndarray:
    return _grams(doc.id, doc.content_hash, doc.title + doc.body)


def _grams(item_id: int, digest: str, text: str) -> np.ndarray:
    key = (item_id, digest)
    grams = _SHINGLE_CACHE.get(key)
    if grams is None:
        grams = minhash.shingles(text, k=2)
        _SHINGLE_CACHE[key] = grams
        if len(_SHINGLE_CACHE) > _SHINGLE_CACHE_SIZE:
            _SHINGLE_CACHE.popitem(last=False)
    return grams


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def index_batch(session: Db, items: Iterable[Item], *, now: datetime | None = None) -> int:
    """Sign the new and changed items among `items`, store their band keys and the duplicate
    candidates found for them (among earlier items and each other). Returns how many were signed."""
    docs = {
        i.id: _Doc(i.id, i.title, i.body, i.received_at, i.content_hash)
        for i in items
        if i.id is not None
    }
    return _index(session, list(docs.values()), now or utcnow())


def _index(db: Db, docs: list[_Doc], now: datetime) -> int:
    if not docs:
        return 0
    ids = [d.id for d in docs]
    stored: dict[int, str] = {}
    for chunk in _chunks(ids):
        rows = db.execute(
            select(ItemSignature.item_id, ItemSignature.content_hash).where(
                ItemSignature.item_id.in_(chunk)
            )
        )
        stored.update((item_id, digest) for item_id, digest in rows)
    todo = [d for d in docs if stored.get(d.id) != d.content_hash]
    if not todo:
        return 0
    changed = [d.id for d in todo if d.id in stored]
    for chunk in _chunks(changed):  # a changed text: its old keys and pairs no longer hold
        db.execute(delete(DuplicateBand).where(DuplicateBand.item_id.in_(chunk)))
        db.execute(delete(ItemSignature).where(ItemSignature.item_id.in_(chunk)))
        for column in (DuplicateCandidate.item_id, DuplicateCandidate.candidate_id):
            db.execute(delete(DuplicateCandidate).where(column.in_(chunk)))

    shingles = {d.id: _shingles(d) for d in todo}
    keys: dict[int, list[int]] = {}
    signatures = []
    for d in todo:
        signature = _SIGNER.signature(shingles[d.id])
        signatures.append((d.id, d.content_hash, signature))
        # a text without two characters in a row has no bigrams: nothing to compare it by
        keys[d.id] = sorted(set(minhash.band_keys(signature))) if len(shingles[d.id]) else []
    insert_rows(db, _table(ItemSignature), ("item_id", "content_hash", "signature"), signatures)
    bands = [(k, i) for i, ks in keys.items() for k in ks]
    insert_rows(db, _table(DuplicateBand), ("key", "item_id"), bands)

    pairs = _pairs(db, todo, keys, shingles)
    insert_rows(
        db,
        _table(DuplicateCandidate),
        ("item_id", "candidate_id", "score", "found_at"),
        [(a, b, score, now) for (x, y), score in pairs.items() for a, b in ((x, y), (y, x))],
    )
    return len(todo)


def _pairs(
    db: Db, todo: list[_Doc], keys: dict[int, list[int]], shingles: dict[int, np.ndarray]
) -> dict[tuple[int, int], float]:
    """Candidate pairs (lower id first) with their exact similarity ≥ THRESHOLD."""
    probing = [d.id for d in todo if keys[d.id]]
    if not probing:
        return {}
    received = {d.id: d.received_at for d in todo}
    lo, hi = min(received.values()) - WINDOW, max(received.values()) + WINDOW
    # The batch's own keys are stored already: one self-join counts the shared bands per pair
    # (in the database, not in Python), among earlier items and the batch alike. Pairs are counted
    # on the integer columns first and joined to their item after: grouping by the item's columns
    # too made PostgreSQL sort the whole join (tens of thousands of rows per batch of the demo
    # crawl, with a 64-character hash in each) before counting.
    mine, theirs = aliased(DuplicateBand), aliased(DuplicateBand)
    found: dict[int, list[tuple[int, int]]] = {}
    hashes: dict[int, str] = {}
    for chunk in _chunks(probing):
        counted = (
            select(
                mine.item_id.label("mine"),
                theirs.item_id.label("other"),
                func.count().label("shared"),
            )
            .join(theirs, (theirs.key == mine.key) & (theirs.item_id != mine.item_id))
            .where(mine.item_id.in_(chunk))
            .group_by(mine.item_id, theirs.item_id)
            .subquery()
        )
        rows = db.execute(
            select(
                counted.c.mine,
                counted.c.other,
                _item.c.received_at,
                _item.c.content_hash,
                counted.c.shared,
            )
            .join(_item, _item.c.id == counted.c.other)
            .where(_item.c.received_at.between(lo, hi))
        )
        for item_id, other, received_at, digest, n in rows:
            if abs(received_at - received[item_id]) <= WINDOW:
                found.setdefault(item_id, []).append((n, other))
                hashes[other] = digest
    checks = {
        item_id: [other for _n, other in sorted(others, key=lambda x: (-x[0], x[1]))[:MAX_CHECKED]]
        for item_id, others in found.items()
    }

    missing = []
    for other in sorted({o for others in checks.values() for o in others} - shingles.keys()):
        cached = _SHINGLE_CACHE.get((other, hashes[other]))
        if cached is None:
            missing.append(other)
        else:
            shingles[other] = cached
    for chunk in _chunks(missing):
        for row in db.execute(
            select(_item.c.id, _item.c.title, _item.c.body, _item.c.content_hash).where(
                _item.c.id.in_(chunk)
            )
        ):
            shingles[row.id] = _grams(row.id, row.content_hash, row.title + row.body)
    pairs: dict[tuple[int, int], float] = {}
    for item_id, others in checks.items():
        for other in others:
            pair = (min(item_id, other), max(item_id, other))
            if pair in pairs:
                continue
            score = minhash.jaccard(shingles[item_id], shingles[other])
            if score >= THRESHOLD:
                pairs[pair] = round(score, 2)
    return pairs


def backfill(db: Db, *, batch: int = 2000, now: datetime | None = None) -> int:
    """Index every item that has no signature yet, oldest first (the migration's backfill; also
    for items bulk-loaded around intake). Returns how many were signed."""
    now = now or utcnow()
    done = 0
    last = -1
    while True:
        rows = db.execute(
            select(_item)
            .where(
                _item.c.id > last,
                ~sa.exists().where(ItemSignature.item_id == _item.c.id),
            )
            .order_by(_item.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return done
        last = rows[-1].id
        done += _index(
            db,
            [_Doc(r.id, r.title, r.body, r.received_at, r.content_hash) for r in rows],
            now,
        )


def likely_duplicates(
    session: Session, user: User, items: list[Item], *, limit: int = 3
) -> dict[int, list[Duplicate]]:
    """For each item, up to `limit` stored candidates `user` may see, most similar first."""
    if not items:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=DuplicateCandidate.item_id,
            order_by=(DuplicateCandidate.score.desc(), Item.received_at, Item.id),
        )
        .label("rank")
    )
    ranked = (
        visible_items(user)
        .with_only_columns(
            DuplicateCandidate.item_id, DuplicateCandidate.score, Item.id.label("other"), rank
        )
        .join(DuplicateCandidate, DuplicateCandidate.candidate_id == Item.id)
        .where(
            DuplicateCandidate.item_id.in_([i.id for i in items]),
            Item.status != ItemStatus.MERGED,
        )
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.item_id, ranked.c.score, Item)
        .join(Item, Item.id == ranked.c.other)
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.item_id, ranked.c.rank)
        # what a page shows of a candidate; not its body and JSON columns (three per row)
        .options(load_only(Item.external_id, Item.title, Item.status, Item.received_at))
    ).all()
    out: dict[int, list[Duplicate]] = {i.id: [] for i in items}
    for item_id, score, other in rows:
        out[item_id].append(Duplicate(other, score))
    return out
