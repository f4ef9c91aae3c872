"""The portal's world: its clock, its messages per system, and injected faults (for crawler tests)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from demoportal.content import SHANGHAI, Message, SourceSpec, Templates, generate

# name -> (messages in the last 12 months, id format). board + mailbox + feed ≥ 2,000.
DEFAULT_COUNTS = {"board": 900, "mailbox": 500, "feed": 700, "city": 120}
ID_FORMATS = {
    "board": "{seq}",
    "mailbox": "XX{date}{seq:05d}",
    "feed": "GD{date}{seq:06d}",
    "city": "ZX{seq:06d}",
}
FEED_TOKEN = "demo-12345-token"


@dataclass
class Fault:
    """Misbehave on requests whose path (and query) contain the given fragments.

    kind: "status" (answer `status`), "delay" (sleep `seconds` first), "truncate" (cut the body in
    half), "broken" (serve a mangled page), "encoding" (serve UTF-8 bytes under a GBK header).
    `times` limits how often it fires (None: always).
    """

    path: str
    kind: str
    query: str = ""
    times: int | None = None
    status: int = 500
    seconds: float = 2.0
    fired: int = 0

    def matches(self, path: str, query: str) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        return self.path in path and self.query in query


@dataclass
class PortalState:
    anchor: datetime
    seed: int
    messages: dict[str, list[Message]]
    offset: timedelta = timedelta(0)
    speed: float = 0.0  # 0: the clock only moves on demand; 1: real time
    started: float = field(default_factory=time.monotonic)
    faults: list[Fault] = field(default_factory=list)
    feed_token: str = FEED_TOKEN
    feed_actions: list[dict] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    served: Counter[str] = field(default_factory=Counter)  # path?query -> times requested

    @classmethod
    def build(
        cls,
        *,
        anchor: datetime | None = None,
        seed: int = 2024,
        counts: dict[str, int] | None = None,
        speed: float = 0.0,
        demo_dir: Path | None = None,
    ) -> PortalState:
        anchor = (anchor or datetime.now(SHANGHAI)).astimezone(SHANGHAI).replace(microsecond=0)
        templates = Templates.load(demo_dir)
        wanted = {**DEFAULT_COUNTS, **(counts or {})}
        messages = {}
        for name, count in wanted.items():
            spec = SourceSpec(name, count, max(1, count // 12), ID_FORMATS[name])
            messages[name] = generate(spec, anchor, seed, templates)
        return cls(anchor=anchor, seed=seed, messages=messages, speed=speed)

    # --- clock -------------------------------------------------------------------------------
    def now(self) -> datetime:
        elapsed = (time.monotonic() - self.started) * self.speed
        return self.anchor + self.offset + timedelta(seconds=elapsed)

    def advance(self, days: float = 0, hours: float = 0) -> datetime:
        with self.lock:
            self.offset += timedelta(days=days, hours=hours)
            return self.now()

    # --- content -----------------------------------------------------------------------------
    def visible(self, source: str) -> list[Message]:
        """Messages posted by now, newest first (as list pages show them)."""
        now = self.now()
        return [m for m in reversed(self.messages[source]) if m.visible(now)]

    def find(self, source: str, ext_id: str) -> Message | None:
        now = self.now()
        for message in self.messages[source]:
            if message.ext_id == ext_id and message.visible(now):
                return message
        return None

    def pending(self, source: str) -> list[Message]:
        now = self.now()
        return [m for m in self.messages[source] if m.visible(now) and not m.replied(now)]

    def add_replies(self, source: str, count: int) -> list[str]:
        """Answer the `count` oldest open messages now; returns their ids."""
        with self.lock:
            now = self.now()
            chosen = self.pending(source)[:count]
            for message in chosen:
                message.reply_at = now.replace(microsecond=0)
            return [m.ext_id for m in chosen]

    # --- faults ------------------------------------------------------------------------------
    def take_fault(self, path: str, query: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(path, query):
                    fault.fired += 1
                    return fault
        return None
