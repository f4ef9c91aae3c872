"""Likely duplicates: the same request sent twice, or through two channels (text similarity).

Character bigrams work for Chinese without a tokenizer; Jaccard similarity over title and body.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from ledger.models import Item, ItemStatus, User
from ledger.queries import visible_items

WINDOW = timedelta(days=90)
THRESHOLD = 0.3


@dataclass(frozen=True)
class Duplicate:
    item: Item
    score: float


def _shingles(text: str) -> set[str]:
    chars = [c for c in text if not c.isspace() and c not in "，。！？、；：“”‘’（）,.!?;:()"]
    return {a + b for a, b in zip(chars, chars[1:], strict=False)}


def similarity(a: Item, b: Item) -> float:
    sa, sb = _shingles(a.title + a.body), _shingles(b.title + b.body)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def likely_duplicates(
    session: Session,
    user: User,
    items: list[Item],
    *,
    limit: int = 3,
    threshold: float = THRESHOLD,
    pool_size: int = 500,
) -> dict[int, list[Duplicate]]:
    """For each item, up to `limit` visible items (received within 90 days) that look the same."""
    if not items:
        return {}
    oldest = min(i.received_at for i in items) - WINDOW
    pool = session.scalars(
        visible_items(user)
        .where(Item.received_at >= oldest, Item.status != ItemStatus.MERGED)
        .order_by(Item.received_at.desc())
        .limit(pool_size)
    ).all()
    shingles = {p.id: _shingles(p.title + p.body) for p in pool}
    out: dict[int, list[Duplicate]] = {}
    for item in items:
        mine = _shingles(item.title + item.body)
        found: list[Duplicate] = []
        for other in pool:
            theirs = shingles[other.id]
            if other.id == item.id or not mine or not theirs:
                continue
            if abs(other.received_at - item.received_at) > WINDOW:
                continue
            score = len(mine & theirs) / len(mine | theirs)
            if score >= threshold:
                found.append(Duplicate(other, round(score, 2)))
        found.sort(key=lambda d: (-d.score, d.item.received_at))
        out[item.id] = found[:limit]
    return out
