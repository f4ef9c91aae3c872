"""What intake refuses, and why: missing fields, naive or implausible times, oversized bodies.

Each refusal is an IntakeError whose message names the record and the field in Chinese, so the crawl
summary can show it beside the URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ledger.intake.records import IntakeRecord

TIME_FIELDS = ("received_at", "source_due_at", "dispatched_at", "replied_at")
TIME_LABELS = {
    "received_at": "收到时间",
    "source_due_at": "办理时限",
    "dispatched_at": "派单时间",
    "replied_at": "答复时间",
}


_SHANGHAI = ZoneInfo("Asia/Shanghai")


class IntakeError(ValueError):
    """The record cannot be stored; the message says which field is wrong and why."""


@dataclass(frozen=True)
class IntakeLimits:
    """Plausibility limits (see README “受理的检查”).

    `not_before`: no channel of the department existed earlier (a source file may set a later
    date with `not_before`); `skew`: how far a source's clock may run ahead of ours; `max_due`: the
    longest 办理时限 a source may give after receipt; `max_body_chars`: longer bodies are cut and the
    full text is kept as a file (see ledger.intake.originals).
    """

    not_before: datetime = datetime(2000, 1, 1, tzinfo=UTC)
    skew: timedelta = timedelta(hours=1)
    max_due: timedelta = timedelta(days=366)
    max_body_chars: int = 20_000


def validate(record: IntakeRecord) -> None:
    if not record.source or not record.source.strip():
        raise IntakeError("缺少来源 (source)")
    if not record.external_id or not str(record.external_id).strip():
        raise IntakeError("缺少编号 (external_id)")
    if len(str(record.external_id)) > 120 or len(record.source) > 60:
        raise IntakeError(f"{str(record.external_id)[:40]}…: 编号超过 120 字或来源名超过 60 字")
    if not record.body or not record.body.strip():
        raise IntakeError(f"{record.external_id}: 缺少正文 (body)")
    if not record.title or not record.title.strip():
        raise IntakeError(f"{record.external_id}: 缺少标题 (title)")
    for name in TIME_FIELDS:
        value = getattr(record, name)
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            raise IntakeError(f"{record.external_id}: {name} 必须是带时区的时间，收到 {value!r}")
    if record.received_at is None:
        raise IntakeError(f"{record.external_id}: 缺少收到时间 (received_at)")


def check_dates(record: IntakeRecord, limits: IntakeLimits, now: datetime) -> None:
    """Refuse times before the channel could exist or after now (plus a small skew), and a 办理时限
    before receipt or absurdly far after it. Call after `validate` (times are aware)."""
    earliest = record.not_before or limits.not_before
    latest = now + limits.skew
    ext = record.external_id
    for name in ("received_at", "dispatched_at", "replied_at"):
        value: datetime | None = getattr(record, name)
        if value is None:
            continue
        label = f"{TIME_LABELS[name]} ({name}) {_show(value)}"
        if value < earliest:
            raise IntakeError(f"{ext}: {label} 早于该渠道可能存在的时间 {_show(earliest)}")
        if value > latest:
            raise IntakeError(f"{ext}: {label} 晚于当前时间 {_show(now)}")
    due = record.source_due_at
    if due is not None:
        label = f"{TIME_LABELS['source_due_at']} (source_due_at) {_show(due)}"
        if due < record.received_at:
            raise IntakeError(f"{ext}: {label} 早于收到时间 {_show(record.received_at)}")
        if due > record.received_at + limits.max_due:
            raise IntakeError(f"{ext}: {label} 超过收到后 {limits.max_due.days} 天，不可信")


def _show(value: datetime) -> str:
    return value.astimezone(_SHANGHAI).strftime("%Y-%m-%d %H:%M")
