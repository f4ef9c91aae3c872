"""What each crawl of a source did: when, its outcome, its counts and the first refusals."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledger.db import Base
from ledger.models.items import Source


class CrawlOutcome(StrEnum):
    OK = "成功"
    PARTIAL = (
        "部分失败"  # something was stored, but pages or records were refused or it stopped early
    )
    FAILED = "失败"  # nothing was stored


class CrawlRun(Base):
    __tablename__ = "crawl_run"
    __table_args__ = (Index("ix_crawl_run_source_id_id", "source_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(10))  # a CrawlOutcome value
    pages: Mapped[int] = mapped_column(default=0)
    new: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    refused: Mapped[int] = mapped_column(default=0)
    failures: Mapped[list[str]] = mapped_column(JSON, default=list)  # why it failed, in Chinese
    refusals: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list
    )  # first few {url, reason}
    log_path: Mapped[str | None] = mapped_column(String(500))

    source: Mapped[Source] = relationship()

    @property
    def outcome_enum(self) -> CrawlOutcome:
        return CrawlOutcome(self.outcome)
