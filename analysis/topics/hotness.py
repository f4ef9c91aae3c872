"""Hotness index of a topic, and ranking discovered clusters into topics.

热度 = 3·ln(1+有效条数) + 2·ln(1+不同发送人) + 1·ln(1+点赞/附议) + 1.5·ln(1+增长) + 1·(渠道数−1)
       + 0.5·ln(1+未办结)

有效条数 = Σ_发送人 √(该人的条数): one person posting the same request ten times counts √10 ≈ 3.2.
增长 = max(0, 本期条数 − 上期条数). For a CSV without periods (`huiying hot-topics`), 本期 is the last 30
days of the file and 上期 the 30 days before. Logarithms keep one viral message (800 likes) from outweighing fifty
people writing about the same compound; distinct senders count apart from volume so that one person
posting ten times is not ten people. The weights are data (WEIGHTS) and shown on the analysis page.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from analysis.messages import Message
from analysis.topics.discovery import Cluster

WEIGHTS = {"volume": 3.0, "senders": 2.0, "likes": 1.0, "growth": 1.5, "channels": 1.0, "open": 0.5}
FORMULA = (
    "热度 = 3·ln(1+有效条数) + 2·ln(1+不同发送人) + 1·ln(1+点赞/附议) + 1.5·ln(1+增长) "
    "+ 1·(渠道数−1) + 0.5·ln(1+未办结)；有效条数 = Σ各发送人√(其条数)；"
    "增长 = max(0, 本期条数 − 上期条数)"
)
MIN_SIZE = 2
RECENT_DAYS = 30


@dataclass
class Topic:
    rank: int
    hotness: float
    keywords: list[str]
    places: list[str]
    start: datetime | None
    end: datetime | None
    size: int
    senders: int
    likes: int
    channels: list[str]
    open_items: int
    growth: int
    previous: int
    representative_id: str
    representative_title: str
    member_ids: list[str]
    components: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "rank": self.rank,
            "hotness": round(self.hotness, 2),
            "keywords": self.keywords,
            "places": self.places,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "size": self.size,
            "senders": self.senders,
            "likes": self.likes,
            "channels": self.channels,
            "growth": self.growth,
            "member_ids": self.member_ids,
            "representative_id": self.representative_id,
            "representative_title": self.representative_title,
        }


def hotness(
    *, volume: float, senders: int, likes: int, growth: int, channels: int, open_items: int
) -> tuple[float, dict[str, float]]:
    """The index and its parts (each part already weighted)."""
    parts = {
        "volume": WEIGHTS["volume"] * math.log1p(volume),
        "senders": WEIGHTS["senders"] * math.log1p(senders),
        "likes": WEIGHTS["likes"] * math.log1p(max(likes, 0)),
        "growth": WEIGHTS["growth"] * math.log1p(max(growth, 0)),
        "channels": WEIGHTS["channels"] * max(channels - 1, 0),
        "open": WEIGHTS["open"] * math.log1p(open_items),
    }
    return sum(parts.values()), parts


def rank_topics(
    messages: Sequence[Message],
    clusters: Sequence[Cluster],
    *,
    in_period: Sequence[bool] | None = None,
    previous: Sequence[bool] | None = None,
    min_size: int = MIN_SIZE,
) -> list[Topic]:
    """Topics of the period ranked by hotness.

    `in_period[i]` says message i belongs to the period analysed and `previous[i]` to the period
    before it (same length); clusters are found over both, so growth compares like with like.
    Without them every message is in the period, and growth compares the last RECENT_DAYS of the
    data with the RECENT_DAYS before.
    """
    current: Sequence[bool] = in_period or [True] * len(messages)
    if previous is None:
        recent, before = _recent_windows(messages)
    else:
        recent, before = list(current), list(previous)
    topics: list[Topic] = []
    for c in clusters:
        members = [i for i in c.members if current[i]]
        if len(members) < min_size:
            continue
        msgs = [messages[i] for i in members]
        per_sender = Counter(m.user or f"#{m.id}" for m in msgs)
        channels = sorted({m.channel for m in msgs if m.channel})
        likes = sum(m.likes for m in msgs)
        prev = sum(1 for i in c.members if before[i])
        growth = max(0, sum(1 for i in c.members if recent[i]) - prev)
        open_items = sum(1 for m in msgs if m.is_open)
        score, parts = hotness(
            volume=sum(math.sqrt(n) for n in per_sender.values()),
            senders=len(per_sender),
            likes=likes,
            growth=growth,
            channels=len(channels),
            open_items=open_items,
        )
        times = [m.posted_at for m in msgs if m.posted_at]
        rep = c.representative if current[c.representative] else members[0]
        topics.append(
            Topic(
                rank=0,
                hotness=score,
                keywords=c.keywords,
                places=c.places,
                start=min(times) if times else None,
                end=max(times) if times else None,
                size=len(members),
                senders=len(per_sender),
                likes=likes,
                channels=channels,
                open_items=open_items,
                growth=growth,
                previous=prev,
                representative_id=messages[rep].id,
                representative_title=messages[rep].title,
                member_ids=[m.id for m in msgs],
                components=parts,
            )
        )
    topics.sort(key=lambda t: (-t.hotness, -t.size, t.representative_id))
    for i, t in enumerate(topics, 1):
        t.rank = i
    return topics


def _recent_windows(messages: Sequence[Message]) -> tuple[list[bool], list[bool]]:
    times = [m.posted_at for m in messages if m.posted_at]
    if not times:
        return [False] * len(messages), [False] * len(messages)
    end = max(times)
    cut, cut_before = end - timedelta(days=RECENT_DAYS), end - timedelta(days=2 * RECENT_DAYS)
    recent = [bool(m.posted_at and m.posted_at > cut) for m in messages]
    before = [bool(m.posted_at and cut_before < m.posted_at <= cut) for m in messages]
    return recent, before


def channel_counts(messages: Sequence[Message]) -> Counter[str]:
    return Counter(m.channel or "未知" for m in messages)
