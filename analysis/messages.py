"""The unit of analysis: one message, whichever channel or CSV it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Message:
    """A message reduced to what topic discovery and hotness need."""

    id: str
    title: str
    body: str
    posted_at: datetime | None = None
    user: str | None = None
    likes: int = 0
    channel: str = ""
    is_open: bool = False
    department: str | None = None
    reply: str | None = None
    request_kind: str | None = None  # 咨询 / 投诉 / 建议 … where the channel states it
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.body}"
