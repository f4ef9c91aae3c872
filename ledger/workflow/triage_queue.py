"""The 分办 queue as staff work it: tabs (新进 / 被退回 / 非本厅职责 / 全部) with real paging, why an
item came back, the next item after a confirm, merge targets found by 编号 or title, and bulk
回退 of 非本厅职责 items with preset reasons."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session, joinedload, load_only

from ledger.models import Department, Item, ItemStatus, RoutingDecision, User
from ledger.queries import NotVisible, visible_items
from ledger.workflow.guards import Clock, WorkflowError
from ledger.workflow.report_back import ReportBack
from ledger.workflow.triage import NOT_OURS, BulkResult, return_not_ours, skip_reason

TABS = {"new": "新进", "returned": "被退回", "not_ours": "非本厅职责", "all": "全部"}
# Preset reasons for 回退, as the 12345 platform expects them: whose business it is instead.
RETURN_REASONS = (
    "经核实，该诉求不属于本厅职责，属于住房城乡建设部门职责，请转属地住建部门办理。",
    "经核实，该诉求不属于本厅职责，属于市场监管部门职责，请转市场监管部门办理。",
    "经核实，该诉求不属于本厅职责，属于人力资源社会保障部门职责，请转人社部门办理。",
    "经核实，该诉求不属于本厅职责，属于生态环境部门职责，请转生态环境部门办理。",
    "经核实，该诉求不属于本厅职责，属于属地政府职责，请转属地政府办理。",
)


@dataclass(frozen=True)
class SentBack:
    """Why an item is back in the queue: which 处室 returned it, why, when."""

    department_id: int | None
    department: str
    reason: str
    at: datetime


# What the queue shows of an item; not the body or the deadline texts (JSON). raiseload: a new
# use fails in tests instead of costing a query per row.
QUEUE_COLUMNS = (
    Item.id,
    Item.external_id,
    Item.source_id,
    Item.title,
    Item.received_at,
    Item.status,
    Item.priority,
    Item.department_id,
    Item.suggestions,
    Item.route_confidence,
    Item.topics,
    Item.risk_level,
    Item.risk_reasons,
    Item.due_at,
    Item.warn_at,
    Item.version,
)


def _is_step() -> ColumnElement[bool]:
    """A routing step (routed, confirmed, corrected or sent back), not a bare suggestion: a
    re-suggestion after retraining must not move a sent-back item out of 被退回."""
    return or_(RoutingDecision.department_id.is_not(None), RoutingDecision.method == "returned")


def _last_method() -> ColumnElement[str]:
    return (
        select(RoutingDecision.method)
        .where(RoutingDecision.item_id == Item.id, _is_step())
        .order_by(RoutingDecision.id.desc())
        .limit(1)
        .correlate(Item)
        .scalar_subquery()
    )


def _top_code() -> ColumnElement[str]:
    return Item.suggestions[0]["code"].as_string()


def _tab_conditions(
    tab: str, top: ColumnElement[str], method: ColumnElement[str]
) -> list[ColumnElement[bool]]:
    """A tab's conditions on an item's top suggested code and its last routing step's method."""
    # "not returned" as one comparison (coalesce), not "IS NULL OR <>": PostgreSQL runs the
    # correlated subquery once per mention, for each of the ~1,200 waiting items at 1,000,000
    not_returned = func.coalesce(method, "") != "returned"
    if tab == "returned":
        return [method == "returned"]
    if tab == "not_ours":
        return [top == NOT_OURS, not_returned]
    if tab == "new":
        return [not_returned, func.coalesce(top, "") != NOT_OURS]
    return []


def _tab_filter(tab: str) -> list[ColumnElement[bool]]:
    return _tab_conditions(tab, _top_code(), _last_method())


def tab_counts(session: Session, user: User) -> dict[str, int]:
    """Every tab's count in one pass over the waiting items (one query, not one per tab). Each
    item's last routing step is looked up once (MATERIALIZED), not once per tab that tests it:
    three lookups for each of the ~1,200 waiting items at 1,000,000 was most of the count."""
    waiting = (
        visible_items(user)
        .where(Item.status == ItemStatus.NEW)
        .with_only_columns(_top_code().label("top"), _last_method().label("method"))
        .cte("waiting")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    columns = [
        func.count(case((and_(*conditions), 1))) if conditions else func.count()
        for conditions in (_tab_conditions(tab, waiting.c.top, waiting.c.method) for tab in TABS)
    ]
    row = session.execute(select(*columns).select_from(waiting)).one()
    return {tab: int(n or 0) for tab, n in zip(TABS, row, strict=True)}


def _ordered(user: User, tab: str):
    urgency = case({"紧急": 0, "较急": 1}, value=Item.priority, else_=2)
    return (
        visible_items(user)
        .where(Item.status == ItemStatus.NEW, *_tab_filter(tab))
        .order_by(urgency, Item.due_at.is_(None), Item.due_at, Item.id)
    )


def queue_page(
    session: Session, user: User, tab: str, *, limit: int = 50, offset: int = 0
) -> list[Item]:
    """One page of the tab, most urgent first: priority, then the due time (none last)."""
    return list(
        session.scalars(
            _ordered(user, tab)
            .options(
                load_only(*QUEUE_COLUMNS, raiseload=True),
                joinedload(Item.source),
                joinedload(Item.department),
            )
            .limit(limit)
            .offset(offset)
        )
    )


def next_in_queue(session: Session, user: User, tab: str, after: Item) -> Item | None:
    """The item to open after `after` was dealt with: the most urgent one still waiting."""
    return session.scalars(_ordered(user, tab).where(Item.id != after.id).limit(1)).first()


def sent_back(session: Session, items: Iterable[Item]) -> dict[int, SentBack]:
    """For items whose last routing step was a 处室's 退回: who sent it back and why."""
    ids = [i.id for i in items]
    if not ids:
        return {}
    rows = session.scalars(
        select(RoutingDecision)
        .where(RoutingDecision.item_id.in_(ids), _is_step())
        .order_by(RoutingDecision.item_id, RoutingDecision.id)
    ).all()
    names = {d.id: d.name for d in session.scalars(select(Department))}
    by_item: dict[int, list[RoutingDecision]] = {}
    for row in rows:
        by_item.setdefault(row.item_id, []).append(row)
    out = {}
    for item_id, history in by_item.items():
        if history[-1].method != "returned":
            continue
        # the 处室 that returned it is the one the previous decision had sent it to
        earlier = [h.department_id for h in history[:-1] if h.department_id is not None]
        dept_id = earlier[-1] if earlier else None
        name = names.get(dept_id, "处室") if dept_id else "处室"
        reason = history[-1].reason or ""
        reason = reason.split("退回：", 1)[1] if "退回：" in reason else reason
        out[item_id] = SentBack(dept_id, name, reason, history[-1].at)
    return out


def merge_targets(
    session: Session, user: User, item: Item, query: str, limit: int = 10
) -> list[Item]:
    """Items the user may merge `item` into, found by 编号 (exact first) or words of the title."""
    query = query.strip()[:100]
    if not query:
        return []
    base = visible_items(user).where(Item.id != item.id, Item.status != ItemStatus.MERGED)
    exact = list(session.scalars(base.where(Item.external_id == query).limit(limit)))
    like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    found = session.scalars(
        base.where(
            or_(Item.external_id.ilike(like, escape="\\"), Item.title.ilike(like, escape="\\"))
        )
        .order_by(Item.received_at.desc())
        .limit(limit)
    )
    return exact + [i for i in found if i not in exact][: limit - len(exact)]


def bulk_return(
    session: Session,
    user: User,
    items: Iterable[tuple[int, int | None]],
    reason: str,
    *,
    now: datetime,
    clock: Clock | None = None,
    report_back: ReportBack | None = None,
) -> BulkResult:
    """回退 each (item id, version) as 非本厅职责 with one reason; each in its own savepoint."""
    if not reason.strip():
        raise WorkflowError("批量回退须选择或填写理由（将随工单退回）。")
    result = BulkResult()
    for item_id, version in items:
        try:
            with session.begin_nested():
                return_not_ours(
                    session,
                    user,
                    item_id,
                    version,
                    reason,
                    now=now,
                    clock=clock,
                    report_back=report_back,
                )
            result.done.append(item_id)
        except (WorkflowError, NotVisible) as exc:
            result.skipped.append((item_id, skip_reason(exc)))
    return result


__all__ = [
    "RETURN_REASONS",
    "TABS",
    "SentBack",
    "bulk_return",
    "merge_targets",
    "next_in_queue",
    "queue_page",
    "sent_back",
    "tab_counts",
]
