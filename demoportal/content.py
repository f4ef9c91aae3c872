"""Deterministic demo messages built from the templates in data/demo/ (seeded RNG, dates relative
to the portal's clock)."""

from __future__ import annotations

import random
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"

URGENCIES = ["一般", "一般", "一般", "一般", "较急", "紧急"]
SATISFACTION = ["很满意", "满意", "满意", "基本满意", "不满意"]
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass
class Message:
    """One message on one of the imitated systems. Times are aware (Asia/Shanghai)."""

    source: str
    seq: int
    ext_id: str
    topic: str
    ours: bool
    title: str
    body: str
    author: str
    phone: str
    kind: str
    urgency: str
    posted_at: datetime
    reply_unit: str
    reply_template: str
    reply_at: datetime | None  # scheduled; visible once the clock passes it
    satisfaction: str | None
    likes: int
    slots: dict[str, str] = field(default_factory=dict)
    signed_at: datetime | None = None  # 12345: 签收 reported back by the department
    returned_reason: str | None = None  # 12345: 回退 with a reason

    def visible(self, now: datetime) -> bool:
        return self.posted_at <= now

    def replied(self, now: datetime) -> bool:
        return self.reply_at is not None and self.reply_at <= now

    @property
    def reply_text(self) -> str:
        return fill(self.reply_template, self.slots)


@dataclass(frozen=True)
class Templates:
    topics: list[dict]
    slots: dict[str, list[str]]

    @classmethod
    def load(cls, demo_dir: Path | None = None) -> Templates:
        demo_dir = demo_dir or DEFAULT_DEMO_DIR
        topics = tomllib.loads((demo_dir / "topics.toml").read_text("utf-8"))["topic"]
        slots = tomllib.loads((demo_dir / "slots.toml").read_text("utf-8"))
        return cls(topics=topics, slots=slots)


def fill(template: str, slots: dict[str, str]) -> str:
    return _SLOT.sub(lambda m: slots.get(m.group(1), m.group(0)), template)


@dataclass(frozen=True)
class SourceSpec:
    """How many messages a source has and how its ids look."""

    name: str
    count: int  # messages posted in the 12 months before the anchor
    future: int  # messages that appear as the clock advances (next 30 days)
    id_format: str
    reply_rate: float = 0.72
    late_rate: float = 0.12  # replies scheduled after the anchor


def generate(spec: SourceSpec, anchor: datetime, seed: int, templates: Templates) -> list[Message]:
    """`spec.count` messages over the 365 days before `anchor`, plus `spec.future` after it."""
    rng = random.Random(f"{seed}:{spec.name}")
    weights = [t.get("weight", 1) for t in templates.topics]
    offsets = [rng.uniform(0, 365) for _ in range(spec.count)]
    offsets += [-rng.uniform(0.05, 30) for _ in range(spec.future)]
    offsets.sort(reverse=True)  # oldest first, so sequence numbers grow with time
    messages = []
    for seq, days_back in enumerate(offsets, start=1):
        topic = rng.choices(templates.topics, weights=weights)[0]
        messages.append(_message(spec, seq, anchor, days_back, topic, rng, templates))
    return messages


def _message(
    spec: SourceSpec,
    seq: int,
    anchor: datetime,
    days_back: float,
    topic: dict,
    rng: random.Random,
    templates: Templates,
) -> Message:
    slots = {name: rng.choice(values) for name, values in templates.slots.items()}
    posted = anchor - timedelta(days=days_back)
    # office hours mostly; people also write in the evening
    hour = rng.choice([8, 9, 9, 10, 10, 11, 14, 15, 15, 16, 17, 20, 21, 22])
    posted = posted.astimezone(SHANGHAI).replace(
        hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0
    )
    if posted > anchor and days_back > 0:
        posted = anchor - timedelta(minutes=rng.randrange(1, 600))
    reply_at = None
    roll = rng.random()
    if roll < spec.reply_rate:
        reply_at = posted + timedelta(days=rng.uniform(0.5, 18))
    elif roll < spec.reply_rate + spec.late_rate:
        # open at the anchor, answered a few days after it: revealed when the clock advances
        reply_at = max(posted, anchor) + timedelta(days=rng.uniform(1, 20))
    reply_at = reply_at.replace(microsecond=0) if reply_at else None
    author = slots["surname"] + rng.choice(["*", "**", "先生", "女士"])
    return Message(
        source=spec.name,
        seq=seq,
        ext_id=spec.id_format.format(seq=seq, date=posted.strftime("%Y%m%d")),
        topic=topic["key"],
        ours=bool(topic.get("ours", False)),
        title=fill(rng.choice(topic["titles"]), slots),
        body=fill(rng.choice(topic["bodies"]), slots),
        author=author,
        phone=slots["phone"],
        kind=rng.choice(topic.get("kinds", ["咨询"])),
        urgency=rng.choice(URGENCIES),
        posted_at=posted,
        reply_unit=topic.get("reply_unit", "办公室"),
        reply_template=rng.choice(topic["replies"]),
        reply_at=reply_at,
        satisfaction=rng.choice(SATISFACTION) if rng.random() < 0.6 else None,
        likes=int(rng.paretovariate(1.6)) - 1,
        slots=slots,
    )
