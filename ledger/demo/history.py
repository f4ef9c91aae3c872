"""A plausible office for the demo: the year of crawled messages is played through the product's
own workflow steps (triage confirm/回退, draft, submit, review return/approve, extension request),
each at a past moment, so that `make run` shows what a working department looks like.

Older items end up answered (mostly on time, some late), 回退 or — a few recent ones — still open
past their deadline (红牌); items whose deadline has not come yet make the live queue: new ones
waiting for triage, some sent back by a 处室, others in progress, drafted, in review or with an
extension request pending. Every choice comes from a random generator seeded by the item's 编号,
so the same data and the same day give the same office, and a second run changes nothing that the
first one already did.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.models import (
    Department,
    Event,
    Item,
    ItemStatus,
    Reply,
    ReplyStatus,
    Role,
    User,
    UserRole,
)
from ledger.office.accounts import hash_password
from ledger.workflow.guards import Clock
from ledger.workflow.handling import request_extension, save_draft, send_back, staff_reply, submit
from ledger.workflow.notices import mark_read
from ledger.workflow.report_back import ReportBackResult
from ledger.workflow.review import approve, return_reply
from ledger.workflow.triage import NOT_OURS, confirm, return_not_ours

OPEN = (ItemStatus.NEW, ItemStatus.IN_PROGRESS, ItemStatus.IN_REVIEW)
LATE_SHARE = 0.12  # of the answered older items, answered after their deadline
STILL_OVERDUE_EVERY = 4  # of the items that fell due in the last RECENT_OVERDUE_DAYS, every 4th
RECENT_OVERDUE_DAYS = 12
RETURN_REASONS = (
    "经核实，该诉求属于住房城乡建设部门职责，请转属地住建部门办理。",
    "经核实，该诉求属于市场监管部门职责，请转市场监管部门办理。",
    "经核实，该诉求属于人力资源社会保障部门职责，请转人社部门办理。",
)


@dataclass
class HistoryReport:
    outcomes: Counter[str] = field(default_factory=Counter)
    colleagues: int = 0

    def lines(self) -> list[str]:
        return [f"{k}：{v} 条" for k, v in sorted(self.outcomes.items(), key=lambda kv: -kv[1])]


class ManualReportBack:
    """Past 12345 orders were reported back on the platform by hand: say so in the event."""

    def report(self, item: Item, reply: Reply) -> ReportBackResult:
        return ReportBackResult(True, "历史办结：已在 12345 平台人工反馈（演示数据）")

    def send_back(self, item: Item, reason: str) -> ReportBackResult:
        return ReportBackResult(True, "历史回退：已在 12345 平台人工回退（演示数据）")


def ensure_colleagues(session: Session) -> tuple[dict[int, User], dict[int, User], int]:
    """A 承办人 and a 审核人 for every active 处室: the demo logins cover only a few 处室, the rest of
    the office is staff whose accounts have a random password nobody knows (the admin can reset it)."""
    handlers: dict[int, User] = {}
    reviewers: dict[int, User] = {}
    for user in session.scalars(select(User).where(User.active).order_by(User.id)):
        if user.department_id is None:
            continue
        if user.has_role(Role.HANDLER):
            handlers.setdefault(user.department_id, user)
        if user.has_role(Role.REVIEWER):
            reviewers.setdefault(user.department_id, user)
    created = 0
    depts = session.scalars(
        select(Department).where(Department.active, Department.code != NOT_OURS)
    )
    for dept in depts:
        for role, pool, suffix, label in (
            (Role.HANDLER, handlers, "cb", "承办人"),
            (Role.REVIEWER, reviewers, "sh", "审核人"),
        ):
            if dept.id in pool:
                continue
            username = f"{dept.code.replace('_', '-')}-{suffix}"
            found = session.scalar(select(User).where(User.username == username))
            if found is None:
                found = User(
                    username=username,
                    display_name=f"{dept.name}{label}",
                    password_hash=hash_password(secrets.token_urlsafe(18)),
                    role=role.value,
                    department_id=dept.id,
                )
                session.add(found)
                created += 1
            pool[dept.id] = found
    session.flush()
    return handlers, reviewers, created


def _reply_text(item: Item) -> str:
    dept = item.department.name if item.department else "承办处室"
    return (
        f"您好！您反映的“{item.title}”收悉。经{dept}核实，现答复如下：已会同有关单位了解情况，"
        "相关政策依据和办理渠道已电话告知您本人。如仍有疑问，可在工作日与承办处室联系。"
        "感谢您对全省工业和信息化工作的关心和支持。"
    )


def _at(moment: datetime, now: datetime) -> datetime:
    """A past moment, never later than an hour before `now`."""
    return min(moment, now - timedelta(hours=1))


def _top(item: Item) -> str | None:
    return item.suggestions[0]["code"] if item.suggestions else None


class _Office:
    def __init__(
        self, session: Session, clock: Clock, now: datetime, triager: User, seed: int
    ) -> None:
        self.session, self.clock, self.now, self.seed = session, clock, now, seed
        self.triager = triager
        self.handlers, self.reviewers, self.created = ensure_colleagues(session)
        self.codes = {d.code: d for d in session.scalars(select(Department))}
        self.report_back = ManualReportBack()
        self.kept_open: set[int] = set()

    def route(self, item: Item, at: datetime, code: str | None = None) -> bool:
        if item.status != ItemStatus.NEW:
            return item.department_id is not None
        code = code or _top(item)
        if not code or code not in self.codes or code == NOT_OURS:
            return False
        confirm(self.session, self.triager, item.id, item.version, now=at, department_code=code)
        return True

    def handler(self, item: Item) -> User | None:
        return self.handlers.get(item.department_id) if item.department_id else None

    def draft(self, item: Item, at: datetime) -> None:
        user = self.handler(item)
        reply = staff_reply(item)
        if user is None or item.status != ItemStatus.IN_PROGRESS:
            return
        if reply is None or reply.status in (ReplyStatus.DRAFT, ReplyStatus.RETURNED):
            save_draft(self.session, user, item.id, item.version, _reply_text(item), now=at)

    def submit(self, item: Item, at: datetime) -> None:
        self.draft(item, at - timedelta(hours=2))
        user = self.handler(item)
        if user is not None and item.status == ItemStatus.IN_PROGRESS:
            submit(self.session, user, item.id, item.version, now=at)

    def answer(self, item: Item, at: datetime, rng: random.Random, started: datetime) -> bool:
        reviewer = self.reviewers.get(item.department_id) if item.department_id else None
        if reviewer is None:
            return False
        span = max(at - started, timedelta(hours=4))
        if rng.random() < 0.1 and item.status == ItemStatus.IN_PROGRESS:
            # a first draft that the reviewer sent back for changes
            self.submit(item, started + span * 0.3)
            return_reply(
                self.session,
                reviewer,
                item.id,
                item.version,
                "请补充政策依据和联系方式后再提交。",
                now=started + span * 0.45,
            )
        self.submit(item, started + span * 0.8)
        if item.status != ItemStatus.IN_REVIEW:
            return False
        approve(self.session, reviewer, item.id, item.version, now=at, report_back=self.report_back)
        return True

    def play(self, item: Item) -> str:
        rng = random.Random(f"{self.seed}:{item.source_id}:{item.external_id}")
        received, now = item.received_at, self.now
        due = item.due_at or received + timedelta(days=14)
        routed_at = _at(received + timedelta(hours=rng.uniform(2, 20)), now)
        if _top(item) == NOT_OURS and item.status == ItemStatus.NEW:
            if due < now or rng.random() < 0.5:
                reason = rng.choice(RETURN_REASONS)
                return_not_ours(
                    self.session,
                    self.triager,
                    item.id,
                    item.version,
                    reason,
                    now=routed_at,
                    clock=self.clock,
                    report_back=self.report_back,
                )
                return "回退（非本厅职责）"
            return "待分办（建议非本厅职责）"
        if due < now:
            return self._older(item, rng, received, due, routed_at)
        return self._current(item, rng, received, routed_at)

    def _older(
        self, item: Item, rng: random.Random, received: datetime, due: datetime, routed: datetime
    ) -> str:
        now = self.now
        if item.id in self.kept_open:
            if self.route(item, routed):
                self.draft(item, _at(due - timedelta(hours=6), now))
            return "超期未办结（红牌）"
        if not self.route(item, routed):
            return "未处理（无分办建议）"
        if rng.random() < LATE_SHARE:
            answered = _at(due + timedelta(days=rng.uniform(0.5, 5)), now)
            outcome = "已答复（超期）"
        else:
            answered = routed + (due - routed) * rng.uniform(0.3, 0.95)
            outcome = "已答复（按时）"
        return outcome if self.answer(item, _at(answered, now), rng, routed) else "办理中"

    def _current(self, item: Item, rng: random.Random, received: datetime, routed: datetime) -> str:
        now = self.now
        if item.status == ItemStatus.NEW and (
            now - received < timedelta(days=3) or rng.random() < 0.4
        ):
            suggestions = item.suggestions or []
            if len(suggestions) > 1 and rng.random() < 0.15:
                # routed to the second guess, which sent it back: it waits in the 被退回 tab
                second = suggestions[1]["code"]
                if second in self.codes and second != NOT_OURS and self.route(item, routed, second):
                    handler = self.handler(item)
                    if handler is not None:
                        dept = self.codes.get(_top(item) or "")
                        send_back(
                            self.session,
                            handler,
                            item.id,
                            item.version,
                            f"不属于本处室职责，建议由{dept.name if dept else '其他处室'}办理。",
                            now=_at(routed + timedelta(hours=3), now),
                        )
                        return "被处室退回，待重新分办"
            return "待分办"
        if not self.route(item, routed):
            return "待分办"
        elapsed = now - routed
        step = rng.random()
        if step < 0.35:
            return "办理中"
        if step < 0.6:
            self.draft(item, _at(routed + elapsed * 0.5, now))
            return "办理中（已起草）"
        if step < 0.82:
            self.submit(item, _at(routed + elapsed * 0.7, now))
            return "待审核" if item.status == ItemStatus.IN_REVIEW else "办理中"
        if step < 0.9:
            handler = self.handler(item)
            rule = self.clock.rules.get(item.item_type)
            if handler is not None and rule.extension_max > 0:
                request_extension(
                    self.session,
                    handler,
                    item.id,
                    item.version,
                    min(5, rule.extension_max),
                    "需会同市场监管、属地工信部门联合核查，申请延期。",
                    now=_at(routed + elapsed * 0.6, now),
                    clock=self.clock,
                )
                return "延期申请待批准"
            return "办理中"
        ok = self.answer(item, _at(routed + elapsed * 0.8, now), rng, routed)
        return "已答复（按时）" if ok else "办理中"


def play_history(
    session: Session, clock: Clock, now: datetime, *, seed: int = 2024
) -> HistoryReport:
    """Play every open item's past through the workflow (see the module docstring)."""
    triager = session.scalar(
        select(User)
        .where(User.role_rows.any(UserRole.role == Role.TRIAGE.value), User.active)
        .order_by(User.id)
    )
    if triager is None:
        raise ValueError("没有在用的分办员账号：先载入演示账号（huiying init-db --demo）。")
    office = _Office(session, clock, now, triager, seed)
    report = HistoryReport(colleagues=office.created)
    items = session.scalars(
        select(Item)
        .where(Item.status.in_(OPEN), Item.received_at <= now)
        .order_by(Item.received_at, Item.id)
    ).all()
    # every 4th item that fell due lately is still open: a few 红牌, the most recent ones
    recent = [
        i
        for i in items
        if i.due_at is not None
        and now - timedelta(days=RECENT_OVERDUE_DAYS) < i.due_at < now
        and _top(i) != NOT_OURS
    ]
    recent.sort(key=lambda i: (i.due_at, i.id), reverse=True)
    office.kept_open = {i.id for i in recent[::STILL_OVERDUE_EVERY]}
    staffed = set(
        session.scalars(select(Event.item_id).where(Event.actor_user_id.is_not(None)).distinct())
    )
    for item in items:
        # an item someone already worked on (a person, or an earlier run) keeps its own history
        outcome = "已有办理记录，未改动" if item.id in staffed else office.play(item)
        report.outcomes[outcome] += 1
    # what staff read back then is read: only the last two days' notices are new
    for user in session.scalars(select(User).where(User.active)):
        mark_read(session, user, now, before=now - timedelta(days=2))
    session.flush()
    return report
