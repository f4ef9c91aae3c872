"""The month's analysis from the ledger: volumes, on-time rate, overdue items, topics, candidates.

Months are Asia/Shanghai calendar months; the database holds UTC. Items come through
ledger.queries.visible_items, so a user who sees one 处室 gets that 处室's analysis only; the CLI
report (no user) covers the whole ledger.

On time: an item received in the month with a due date counts as 按时 when it was answered by then,
超期 when answered later or still unanswered past the due date, and 未到期 otherwise; 按时率 =
按时 / (按时 + 超期).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import overload
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from analysis.messages import Message
from analysis.monthly.candidates import Candidate, find_candidates
from analysis.topics.discovery import discover
from analysis.topics.hotness import Topic, rank_topics
from ledger.masking import mask_personal_data
from ledger.models import Item, User
from ledger.queries import OVERDUE_STATUSES, visible_items

SHANGHAI = ZoneInfo("Asia/Shanghai")
UNROUTED = "（待分办）"
CANDIDATE_MONTHS = 3  # recurring questions are looked for over the month and the two before
SPARK_WEEKS = 9


@dataclass
class DepartmentRow:
    name: str
    received: int = 0
    answered: int = 0
    on_time: int = 0
    late: int = 0
    pending: int = 0

    @property
    def on_time_rate(self) -> float | None:
        judged = self.on_time + self.late
        return self.on_time / judged if judged else None


@dataclass
class OverdueRow:
    item_id: int
    title: str
    department: str
    channel: str
    due_at: datetime
    days_over: int


@dataclass
class MonthAnalysis:
    month: str  # YYYY-MM
    start: datetime
    end: datetime
    total: int
    previous_total: int
    channels: list[tuple[str, int]]
    departments: list[DepartmentRow]
    overdue: list[OverdueRow]
    topics: list[Topic]
    rising: list[Topic]
    candidates: list[Candidate]
    weekly: dict[int, list[int]] = field(default_factory=dict)  # topic rank → counts per week
    week_starts: list[date] = field(default_factory=list)

    @property
    def on_time_rate(self) -> float | None:
        on_time = sum(d.on_time for d in self.departments)
        judged = on_time + sum(d.late for d in self.departments)
        return on_time / judged if judged else None


def parse_month(text: str) -> date:
    """'2026-10' → 2026-10-01; a clear error otherwise."""
    try:
        parsed = datetime.strptime(text.strip(), "%Y-%m")
    except ValueError as exc:
        raise ValueError(f"月份格式应为 YYYY-MM（例如 2026-10），收到：{text!r}") from exc
    return parsed.date()


def month_bounds(first: date) -> tuple[datetime, datetime]:
    """UTC bounds [start, end) of an Asia/Shanghai calendar month."""
    start = datetime(first.year, first.month, 1, tzinfo=SHANGHAI)
    end = start + relativedelta(months=1)
    return start.astimezone(UTC), end.astimezone(UTC)


@overload
def _aware(value: datetime) -> datetime: ...
@overload
def _aware(value: None) -> None: ...
def _aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; the ledger stores UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _items(user: User | None) -> Select[Item]:
    return visible_items(user) if user is not None else select(Item)


def _message(item: Item) -> Message:
    """The item as analysis input, personal data masked (nothing downstream can leak it)."""
    reply = next((r.text for r in item.replies if r.text), None)
    return Message(
        id=str(item.id),
        title=mask_personal_data(item.title),
        body=mask_personal_data(item.body),
        posted_at=_aware(item.received_at),
        user=item.author_masked or None,
        likes=item.likes or 0,
        channel=item.source.channel if item.source else "",
        is_open=item.status_enum.is_open,
        department=item.department.name if item.department else None,
        reply=mask_personal_data(reply) if reply else None,
        request_kind=item.request_kind,
    )


def load_items(session: Session, user: User | None, start: datetime, end: datetime) -> list[Item]:
    stmt = (
        _items(user)
        .where(Item.received_at >= start, Item.received_at < end)
        .options(joinedload(Item.source), joinedload(Item.department), joinedload(Item.replies))
        .order_by(Item.received_at, Item.id)
    )
    return list(session.scalars(stmt).unique())


def analyse_month(
    session: Session, user: User | None, month: date, *, now: datetime, top: int = 10
) -> MonthAnalysis:
    start, end = month_bounds(month)
    prev_start, _ = month_bounds(month - relativedelta(months=1))
    cand_start, _ = month_bounds(month - relativedelta(months=CANDIDATE_MONTHS - 1))
    window = load_items(session, user, min(prev_start, cand_start), end)
    current = [i for i in window if _aware(i.received_at) >= start]
    previous = [i for i in window if prev_start <= _aware(i.received_at) < start]

    both = previous + current
    messages = [_message(i) for i in both]
    in_period = [k >= len(previous) for k in range(len(both))]
    before = [not flag for flag in in_period]
    clusters = discover(messages) if len(messages) >= 2 else []
    ranked = rank_topics(messages, clusters, in_period=in_period, previous=before)
    topics = ranked[:top]
    rising = sorted((t for t in ranked if t.growth > 0), key=lambda t: (-t.growth, t.rank))[:top]

    week_starts, weekly = _weekly(messages, clusters, ranked, end)
    cand_msgs = [_message(i) for i in window if _aware(i.received_at) >= cand_start]
    return MonthAnalysis(
        month=f"{month:%Y-%m}",
        start=start,
        end=end,
        total=len(current),
        previous_total=len(previous),
        channels=Counter((i.source.channel if i.source else "未知") for i in current).most_common(),
        departments=_departments(current, now),
        overdue=_overdue(session, user, now),
        topics=topics,
        rising=rising,
        candidates=find_candidates(cand_msgs) if current else [],
        weekly=weekly,
        week_starts=week_starts,
    )


def _weekly(messages, clusters, ranked, end) -> tuple[list[date], dict[int, list[int]]]:
    """Counts per week (the last SPARK_WEEKS weeks of the two months) for each ranked topic."""
    last = end.astimezone(SHANGHAI).date() - timedelta(days=1)
    first = last - timedelta(weeks=SPARK_WEEKS) + timedelta(days=1)
    starts = [first + timedelta(weeks=w) for w in range(SPARK_WEEKS)]
    by_id = {t.representative_id: t for t in ranked}
    out: dict[int, list[int]] = {}
    for c in clusters:
        ids = {messages[i].id for i in c.members}
        topic = next((t for t in by_id.values() if t.representative_id in ids), None)
        if topic is None:
            continue
        counts = [0] * SPARK_WEEKS
        for i in c.members:
            when = messages[i].posted_at
            if when is None:
                continue
            week = (when.astimezone(SHANGHAI).date() - first).days // 7
            if 0 <= week < SPARK_WEEKS:
                counts[week] += 1
        out[topic.rank] = counts
    return starts, out


def _departments(items: list[Item], now: datetime) -> list[DepartmentRow]:
    rows: dict[str, DepartmentRow] = {}
    for item in items:
        name = item.department.name if item.department else UNROUTED
        row = rows.setdefault(name, DepartmentRow(name))
        row.received += 1
        replied, due = _aware(item.replied_at), _aware(item.due_at)
        if replied is not None:
            row.answered += 1
        if due is None:
            continue
        if replied is not None:
            if replied <= due:
                row.on_time += 1
            else:
                row.late += 1
        elif now > due and item.status in OVERDUE_STATUSES:
            row.late += 1
        else:
            row.pending += 1
    return sorted(rows.values(), key=lambda r: (-r.received, r.name))


def _overdue(session: Session, user: User | None, now: datetime) -> list[OverdueRow]:
    stmt = (
        _items(user)
        .where(Item.due_at < now, Item.replied_at.is_(None), Item.status.in_(OVERDUE_STATUSES))
        .options(joinedload(Item.source), joinedload(Item.department))
        .order_by(Item.due_at)
        .limit(200)
    )
    rows = []
    for item in session.scalars(stmt):
        if item.due_at is None:  # the query asks for due_at < now; never None here
            continue
        due = _aware(item.due_at)
        rows.append(
            OverdueRow(
                item_id=item.id,
                title=mask_personal_data(item.title),
                department=item.department.name if item.department else UNROUTED,
                channel=item.source.channel if item.source else "",
                due_at=due,
                days_over=max((now - due).days, 0),
            )
        )
    return rows
