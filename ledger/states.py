"""Statuses as data: the enums stored in the ledger and, per item type, which status may follow which.

In the style of FixMyStreet's Problem.pm state sets: each lifecycle names its open, answered and
closed sets and lists the allowed transitions; nothing else may move an item. The stored values are
the Chinese labels staff see, so a status needs no translation on its way to a page or an export.
Pure Python: the models map these enums onto their columns, and a validator there checks every
status change against the item's lifecycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class ItemStatus(StrEnum):
    NEW = "待分办"
    IN_PROGRESS = "办理中"
    IN_REVIEW = "待审核"
    REPLIED = "已答复"
    RETURNED = "已退回"  # 非本厅职责, sent back to the 12345 platform / the sender
    MERGED = "已合并"
    PAUSED = "已暂停"
    # 依申请公开 (FOI_REQUEST below)
    CORRECTING = "补正中"  # 补正告知 sent; waiting for the completed request (clock stopped)
    CONSULTING = "征求意见中"  # third party asked (Art. 32): not counted in the 20 days
    WITHDRAWN = "视为撤回"  # 补正 not answered by the stated date (Art. 30)
    ARCHIVED = "已归档"  # read-only from here
    CLOSED = "已办结"  # 建议提案: the representative's satisfaction recorded, handling finished

    @property
    def is_open(self) -> bool:
        return self in WORK_ITEM.open


class ReplyStatus(StrEnum):
    DRAFT = "草稿"
    SUBMITTED = "待审核"
    RETURNED = "已退回修改"
    APPROVED = "已批准"
    PUBLISHED = "已发布"  # seen on the source system (the reply was published there)


class AdjustmentStatus(StrEnum):
    """A clock adjustment (extension, pause) requested by a 处室 waits for the reviewer."""

    PENDING = "待批准"
    APPROVED = "已批准"
    REFUSED = "已驳回"


class IllegalTransition(ValueError):
    """A status change the item's lifecycle does not allow: a bug in the caller, not user input."""


@dataclass(frozen=True)
class Lifecycle:
    """One item type's statuses: named sets and the allowed moves between them."""

    name: str
    initial: frozenset[ItemStatus]
    open: frozenset[ItemStatus]  # still needs work from us
    clock_running: frozenset[ItemStatus]  # open and the deadline counts (overdue is possible)
    answered: frozenset[ItemStatus]
    closed: frozenset[ItemStatus]  # finished without an answer from us
    transitions: Mapping[ItemStatus, frozenset[ItemStatus]]

    @property
    def all_states(self) -> frozenset[ItemStatus]:
        return self.open | self.answered | self.closed

    def is_open(self, status: ItemStatus) -> bool:
        return status in self.open

    def allows(self, old: ItemStatus | None, new: ItemStatus) -> bool:
        """None is "not created yet". Staying in the same status is always allowed."""
        if old is None:
            return new in self.initial
        return old == new or new in self.transitions.get(old, frozenset())

    def check(self, old: ItemStatus | None, new: ItemStatus) -> None:
        if not self.allows(old, new):
            start = f"「{old}」" if old is not None else "新建"
            raise IllegalTransition(f"{self.name}：不允许从{start}变为「{new}」。")


S = ItemStatus

WORK_ITEM = Lifecycle(
    name="留言/工单",
    initial=frozenset({S.NEW}),
    open=frozenset({S.NEW, S.IN_PROGRESS, S.IN_REVIEW, S.PAUSED}),
    clock_running=frozenset({S.NEW, S.IN_PROGRESS, S.IN_REVIEW}),
    answered=frozenset({S.REPLIED}),
    closed=frozenset({S.RETURNED, S.MERGED}),
    # 已答复 from any open status: the source system may publish a reply first (seen at intake).
    transitions={
        # 分办 (by hand, or automatically at intake); 回退; 合并
        S.NEW: frozenset({S.IN_PROGRESS, S.RETURNED, S.MERGED, S.REPLIED}),
        # 提交审核; 暂停 approved; 退回分办; 回退; 合并 (转办 stays 办理中)
        S.IN_PROGRESS: frozenset({S.IN_REVIEW, S.PAUSED, S.NEW, S.RETURNED, S.MERGED, S.REPLIED}),
        # 恢复计时; 回退; 合并 (退回分办 needs the clock resumed first)
        S.PAUSED: frozenset({S.IN_PROGRESS, S.RETURNED, S.MERGED, S.REPLIED}),
        # 审核通过; 退回修改
        S.IN_REVIEW: frozenset({S.REPLIED, S.IN_PROGRESS}),
        # 撤销合并: back to the status it had before
        S.MERGED: frozenset({S.NEW, S.IN_PROGRESS, S.PAUSED}),
        S.REPLIED: frozenset(),
        S.RETURNED: frozenset(),
    },
)

# 依申请公开 (条例 2019): 登记 → 办理 (补正中 / 征求意见中; 延期 is a clock adjustment, not a status)
# → 答复 → 归档; 补正 not answered by the stated date → 视为撤回. The work-item moves stay allowed,
# so the triage queue and the workbench (暂停, 提交审核) keep working for these items too.
FOI_REQUEST = Lifecycle(
    name="依申请公开",
    initial=frozenset({S.NEW}),
    open=frozenset({S.NEW, S.IN_PROGRESS, S.IN_REVIEW, S.PAUSED, S.CORRECTING, S.CONSULTING}),
    clock_running=frozenset({S.NEW, S.IN_PROGRESS, S.IN_REVIEW}),
    answered=frozenset({S.REPLIED, S.ARCHIVED}),
    closed=frozenset({S.RETURNED, S.MERGED, S.WITHDRAWN}),
    transitions={
        S.NEW: frozenset(
            {S.IN_PROGRESS, S.RETURNED, S.MERGED, S.REPLIED, S.CORRECTING, S.CONSULTING}
        ),
        S.IN_PROGRESS: frozenset(
            {S.IN_REVIEW, S.PAUSED, S.NEW, S.RETURNED, S.MERGED, S.REPLIED}
            | {S.CORRECTING, S.CONSULTING}
        ),
        # 收到补正材料 (the clock restarts; back to 待分办 when no 处室 has it yet) or 逾期未补正
        S.CORRECTING: frozenset({S.NEW, S.IN_PROGRESS, S.WITHDRAWN}),
        # 第三方意见收到 (or the 15 days are over)
        S.CONSULTING: frozenset({S.NEW, S.IN_PROGRESS}),
        S.PAUSED: frozenset({S.IN_PROGRESS, S.RETURNED, S.MERGED, S.REPLIED}),
        S.IN_REVIEW: frozenset({S.REPLIED, S.IN_PROGRESS}),
        S.MERGED: frozenset({S.NEW, S.IN_PROGRESS, S.PAUSED}),
        S.REPLIED: frozenset({S.ARCHIVED}),
        S.WITHDRAWN: frozenset({S.ARCHIVED}),
        S.ARCHIVED: frozenset(),
        S.RETURNED: frozenset(),
    },
)

# 人大建议/政协提案: 交办 → 办理中 (协办意见 collected) → 复文 in review → 已答复 → 代表满意度 →
# 已办结; 不满意 reopens it (再次办理); 非本单位办理 is sent back (已退回) within 5 working days.
PROPOSAL = Lifecycle(
    name="建议提案",
    initial=frozenset({S.NEW}),
    open=frozenset({S.NEW, S.IN_PROGRESS, S.IN_REVIEW}),
    clock_running=frozenset({S.NEW, S.IN_PROGRESS, S.IN_REVIEW}),
    answered=frozenset({S.REPLIED}),
    closed=frozenset({S.CLOSED, S.RETURNED, S.MERGED}),
    transitions={
        # 交办 to the 主办 处室; 非本单位 退回; 合并 (the same proposal registered twice)
        S.NEW: frozenset({S.IN_PROGRESS, S.RETURNED, S.MERGED}),
        # 复文 submitted to review; 非本单位 退回; back to the 办公室; 合并
        S.IN_PROGRESS: frozenset({S.IN_REVIEW, S.RETURNED, S.NEW, S.MERGED}),
        # 复文 approved (已答复); returned for changes
        S.IN_REVIEW: frozenset({S.REPLIED, S.IN_PROGRESS}),
        # 满意/基本满意 → 已办结; 不满意 → 再次办理
        S.REPLIED: frozenset({S.CLOSED, S.IN_PROGRESS}),
        S.MERGED: frozenset({S.NEW, S.IN_PROGRESS}),
        S.CLOSED: frozenset(),
        S.RETURNED: frozenset(),
    },
)

# Item types (deadline rule keys) with their own lifecycle; every other type is a work item.
# 依申请公开, 建议提案 and 舆情事件 add theirs here.
LIFECYCLES: Mapping[str, Lifecycle] = {
    "foi_request": FOI_REQUEST,
    "proposal": PROPOSAL,
}


def all_open_statuses() -> frozenset[ItemStatus]:
    """Statuses that are open in some item type's lifecycle (the supervision board's 在办 count)."""
    return WORK_ITEM.open.union(*(lc.open for lc in LIFECYCLES.values()))


def lifecycle_for(item_type: str | None) -> Lifecycle:
    return LIFECYCLES.get(item_type or "", WORK_ITEM)


# -- 舆情事件 (ledger.models.events): an event is not an item, so it has its own small lifecycle --


class EventStatus(StrEnum):
    FOUND = "发现"
    ASSESSING = "研判"
    RESPONDING = "回应中"
    RESPONDED = "已回应"
    TRACKING = "跟踪"
    CLOSED = "办结"


@dataclass(frozen=True)
class EventLifecycle:
    """The 舆情事件 statuses: which are open, which stop the response clock, which may follow which."""

    name: str
    initial: frozenset[EventStatus]
    clock_running: frozenset[EventStatus]  # no response yet: the 48 h / 24 h clock counts
    closed: frozenset[EventStatus]
    transitions: Mapping[EventStatus, frozenset[EventStatus]]

    def allows(self, old: EventStatus | None, new: EventStatus) -> bool:
        if old is None:
            return new in self.initial
        return old == new or new in self.transitions.get(old, frozenset())

    def check(self, old: EventStatus | None, new: EventStatus) -> None:
        if not self.allows(old, new):
            start = f"「{old}」" if old is not None else "新建"
            raise IllegalTransition(f"{self.name}：不允许从{start}变为「{new}」。")


E = EventStatus

OPINION_EVENT = EventLifecycle(
    name="舆情事件",
    initial=frozenset({E.FOUND}),
    clock_running=frozenset({E.FOUND, E.ASSESSING, E.RESPONDING}),
    closed=frozenset({E.CLOSED}),
    transitions={
        # 研判; a response may go out at once (the clock does not wait for 研判)
        E.FOUND: frozenset({E.ASSESSING, E.RESPONDING, E.RESPONDED}),
        # 开始回应; 回应已发出; 研判后无需回应，办结（须写明理由）
        E.ASSESSING: frozenset({E.RESPONDING, E.RESPONDED, E.CLOSED}),
        E.RESPONDING: frozenset({E.RESPONDED}),
        # 转入跟踪; 办结
        E.RESPONDED: frozenset({E.TRACKING, E.CLOSED}),
        E.TRACKING: frozenset({E.CLOSED}),
        E.CLOSED: frozenset(),
    },
)
