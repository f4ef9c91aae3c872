"""A demo month in a real ledger: the demo portal's own content (written for huiying), taken in
through the real intake path for September and October 2026. Loaded by tests with importlib."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from demoportal.content import SourceSpec, Templates, generate
from ledger.intake.pipeline import IntakeContext, intake
from ledger.intake.records import IntakeRecord
from ledger.settings import Settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
ANCHOR = datetime(2026, 11, 1, tzinfo=SHANGHAI)
FIRST = datetime(2026, 9, 1, tzinfo=SHANGHAI)
# source slug, item type, demo-portal spec: ~60 messages a month in all
SOURCES = (
    ("demo_board", "留言板", SourceSpec("board", 360, 0, "LY{seq:05d}")),
    ("demo_12345", "12345", SourceSpec("feed", 300, 0, "GD{date}{seq:06d}")),
)


def demo_records(anchor: datetime = ANCHOR, first: datetime = FIRST) -> list[IntakeRecord]:
    templates = Templates.load()
    records = []
    for slug, kind, spec in SOURCES:
        for m in generate(spec, anchor, 20261, templates):
            if not first <= m.posted_at < anchor:
                continue
            replied = m.reply_at if m.reply_at and m.reply_at < anchor else None
            records.append(
                IntakeRecord(
                    source=slug,
                    external_id=m.ext_id,
                    item_type=kind,
                    title=m.title,
                    body=m.body,
                    received_at=m.posted_at,
                    author=m.author,
                    request_kind=m.kind if kind == "12345" else None,
                    likes=m.likes if kind == "留言板" else None,
                    reply_unit=m.reply_unit if replied else None,
                    reply_text=m.reply_text if replied else None,
                    replied_at=replied,
                    source_status="已回复" if replied else "待回复",
                )
            )
    return records


def load_demo_month(session: Session, settings: Settings) -> int:
    """Take the demo records in (as of when each was last seen: its receipt or its reply); returns
    how many."""
    ctx = IntakeContext.load(session, settings)
    records = demo_records()
    for record in records:
        seen = max(record.received_at, record.replied_at or record.received_at)
        intake(session, record, ctx, now=seen + timedelta(minutes=1))
    return len(records)


def settings_for(database_url: str) -> Settings:
    return replace(Settings.from_env(), database_url=database_url)
