"""催办 at the warning point and 督办 up a configurable chain when overdue, each sent once.

`run_reminders` is what `huiying remind` and the web app's scheduler call. The reminder log has a
unique key (item, kind, level, due time), so running it twice, or from several processes, never
sends a reminder twice. An overdue item climbs one level per run, and each recipient gets one
digest per run (one in-app notice listing the items, one e-mail per address), not one per item.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from ledger.audit import record_event
from ledger.clock.calendar import WorkingCalendar
from ledger.clock.deadlines import SHANGHAI
from ledger.config.keys import UnknownKeyError, check_keys
from ledger.config.schemas import ESCALATION
from ledger.masking import mask_personal_data
from ledger.models import Department, Item, ReminderLog, Role, User, UserRole
from ledger.queries import OVERDUE_STATUSES
from ledger.workflow.events.config import EventConfig
from ledger.workflow.events.reminders import remind_events
from ledger.workflow.notices import Mailer, notify
from ledger.workflow.proposals.clocks import run_proposal_reminders

log = logging.getLogger(__name__)

DEPARTMENT_ROLES = (Role.HANDLER, Role.REVIEWER)


class EscalationFileError(ValueError):
    """data/escalation.toml is malformed; the message says what to fix."""


@dataclass(frozen=True)
class Level:
    name: str
    overdue_workdays: int
    notify_roles: tuple[Role, ...]
    emails: tuple[str, ...] = ()
    department_emails: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Escalation:
    reminder_roles: tuple[Role, ...]
    levels: tuple[Level, ...]


def _roles(values: object, where: str) -> tuple[Role, ...]:
    try:
        return tuple(Role(v) for v in (values or []))  # type: ignore[attr-defined]
    except (ValueError, TypeError) as exc:
        raise EscalationFileError(
            f"{where} 的 notify_roles 无效；可选：{'、'.join(r.value for r in Role)}"
        ) from exc


def load_escalation(path: Path) -> Escalation:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise EscalationFileError(f"督办链文件 {path} 无法读取：{exc}") from exc
    try:
        check_keys(data, ESCALATION, str(path))
    except UnknownKeyError as exc:
        raise EscalationFileError(str(exc)) from exc
    reminder = _roles(data.get("reminder", {}).get("notify_roles", ["处室承办人"]), "[reminder]")
    levels = []
    for n, row in enumerate(data.get("level", []), start=1):
        days = row.get("overdue_workdays")
        if not isinstance(row.get("name"), str) or not isinstance(days, int) or days < 1:
            raise EscalationFileError(
                f"督办链文件 {path} 第 {n} 个 [[level]]：须有 name 和 overdue_workdays（≥1 的整数）。"
            )
        levels.append(
            Level(
                name=row["name"],
                overdue_workdays=days,
                notify_roles=_roles(row.get("notify_roles"), f"第 {n} 个 [[level]]"),
                emails=tuple(row.get("emails", [])),
                department_emails=dict(row.get("department_emails", {})),
            )
        )
    levels.sort(key=lambda lv: lv.overdue_workdays)
    return Escalation(reminder, tuple(levels))


@dataclass
class ReminderReport:
    urged: list[int] = field(default_factory=list)  # item ids 催办
    escalated: list[tuple[int, str]] = field(default_factory=list)  # (item id, level name)
    notices: int = 0  # digests: at most one per recipient per run
    emails: int = 0
    email_errors: list[str] = field(default_factory=list)
    proposal_notices: int = 0  # 建议提案: 协办 overdue, "not ours" window (proposal_clocks)
    events: list[tuple[int, str]] = field(default_factory=list)  # 舆情事件 (id, 临期 | 超时)


@dataclass
class _Entry:
    item: Item
    kind: str
    level_name: str
    text: str
    log: ReminderLog

    def as_json(self) -> dict[str, object]:
        return {
            "item_id": self.item.id,
            "external_id": self.item.external_id,
            "kind": self.kind,
            "level": self.level_name,
            "text": self.text,
        }


@dataclass
class _Digests:
    """What each recipient gets this run: one notice per user, one e-mail per address."""

    users: dict[int, tuple[User, list[_Entry]]] = field(default_factory=dict)
    mail: dict[str, list[_Entry]] = field(default_factory=dict)

    def add(self, entry: _Entry, users: list[User], emails: list[str]) -> None:
        for user in users:
            self.users.setdefault(user.id, (user, []))[1].append(entry)
        for address in sorted({u.email for u in users if u.email} | set(emails)):
            self.mail.setdefault(address, []).append(entry)


def _recipients(session: Session, item: Item, roles: tuple[Role, ...]) -> list[User]:
    dept_roles = [r.value for r in roles if r in DEPARTMENT_ROLES]
    office_roles = [r.value for r in roles if r not in DEPARTMENT_ROLES]
    users: list[User] = []
    if dept_roles and item.department_id is not None:
        users += session.scalars(
            select(User).where(
                User.department_id == item.department_id,
                User.role_rows.any(UserRole.role.in_(dept_roles)),
                User.active,
            )
        ).all()
    if office_roles:
        users += session.scalars(
            select(User).where(User.role_rows.any(UserRole.role.in_(office_roles)), User.active)
        ).all()
    return users


def _log(
    session: Session,
    item: Item,
    kind: str,
    level: int,
    level_name: str,
    users: list[User],
    extra_emails: list[str],
    text: str,
    now: datetime,
) -> ReminderLog | None:
    """Log the reminder and record the event; None when it was already sent."""
    assert item.due_at is not None
    entry = ReminderLog(
        item_id=item.id,
        kind=kind,
        level=level,
        level_name=level_name,
        due_at=item.due_at,
        sent_at=now,
        recipients=[u.username for u in users] + extra_emails,
    )
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:
        return None  # another process sent it first
    record_event(
        session,
        item,
        "system",
        kind if kind == "催办" else f"督办（{level_name}）",
        after={"通知": [u.username for u in users], "邮件": extra_emails or None},
        note=text,
        at=now,
    )
    return entry


def _levels_sent(session: Session) -> dict[int, int]:
    """item id -> the highest 督办 level already sent for the item's current due time."""
    rows = session.execute(
        select(ReminderLog.item_id, func.max(ReminderLog.level))
        .join(Item, Item.id == ReminderLog.item_id)
        .where(ReminderLog.kind == "督办", ReminderLog.due_at == Item.due_at)
        .group_by(ReminderLog.item_id)
    ).all()
    return {item_id: level for item_id, level in rows}


def run_reminders(
    session: Session,
    now: datetime,
    escalation: Escalation,
    calendar: WorkingCalendar,
    mailer: Mailer | None = None,
    events: EventConfig | None = None,
) -> ReminderReport:
    """Send the 催办 and 督办 that are due at `now` and not sent yet, as one digest per recipient.

    An overdue item climbs the 督办 chain one level per run (the next level whose threshold it
    has reached), so the first run after a long pause does not fire every level at once.
    """
    report = ReminderReport()
    items = session.scalars(
        select(Item)
        .options(joinedload(Item.department))
        .where(
            Item.status.in_(OVERDUE_STATUSES), Item.due_at.is_not(None), Item.replied_at.is_(None)
        )
        .order_by(Item.due_at, Item.id)
    ).all()
    depts = {d.id: d for d in session.scalars(select(Department))}
    sent = _levels_sent(session)
    today = now.astimezone(SHANGHAI).date()
    digests = _Digests()
    for item in items:
        assert item.due_at is not None
        due_local = item.due_at.astimezone(SHANGHAI)
        title = mask_personal_data(item.title)
        if now <= item.due_at:
            if item.warn_at is not None and now >= item.warn_at and item.department_id:
                text = (
                    f"「{title}」（编号 {item.external_id}）将于 {due_local:%Y-%m-%d %H:%M} 到期，"
                    "请抓紧办理并提交审核。"
                )
                users = _recipients(session, item, escalation.reminder_roles)
                log_row = _log(session, item, "催办", 0, "临期", users, [], text, now)
                if log_row is not None:
                    digests.add(_Entry(item, "催办", "临期", text, log_row), users, [])
                    report.urged.append(item.id)
            continue
        n = sent.get(item.id, 0) + 1
        if n > len(escalation.levels):
            continue
        level = escalation.levels[n - 1]
        overdue_days = calendar.workdays_between(due_local.date(), today)
        if overdue_days < level.overdue_workdays:
            continue
        dept = depts.get(item.department_id) if item.department_id else None
        text = (
            f"「{title}」（编号 {item.external_id}，承办处室 {dept.name if dept else '待分办'}）"
            f"已于 {due_local:%Y-%m-%d %H:%M} 到期，超期第 {overdue_days} 个工作日，请立即办理。"
        )
        emails = list(level.emails)
        if dept and dept.code in level.department_emails:
            emails.append(level.department_emails[dept.code])
        users = _recipients(session, item, level.notify_roles)
        log_row = _log(session, item, "督办", n, level.name, users, emails, text, now)
        if log_row is not None:
            digests.add(_Entry(item, "督办", level.name, text, log_row), users, emails)
            report.escalated.append((item.id, level.name))
    _deliver(session, digests, now, mailer, report)
    report.proposal_notices = run_proposal_reminders(session, now, calendar)
    if events is not None:  # 舆情事件 on their hour clock (ledger.workflow.events.reminders)
        report.events = remind_events(session, now, events)
    session.flush()
    return report


def _summary(entries: list[_Entry]) -> str:
    urged = sum(e.kind == "催办" for e in entries)
    parts = [f"督办 {len(entries) - urged} 件"] if len(entries) > urged else []
    return "、".join(parts + ([f"催办 {urged} 件"] if urged else []))


def _deliver(
    session: Session,
    digests: _Digests,
    now: datetime,
    mailer: Mailer | None,
    report: ReminderReport,
) -> None:
    for user, entries in digests.users.values():
        kind = "督办" if any(e.kind == "督办" for e in entries) else "催办"
        if len(entries) == 1:
            text, item = f"{entries[0].kind}：{entries[0].text}", entries[0].item
        else:
            text, item = f"本轮催办督办汇总：{_summary(entries)}，请逐件查看。", None
        for notice in notify(session, [user], item, kind, text, now):
            notice.entries = [e.as_json() for e in entries]
            report.notices += 1
    if mailer is None:
        return
    for address, entries in digests.mail.items():
        subject = (
            f"【{entries[0].kind}】{mask_personal_data(entries[0].item.title)}"
            if len(entries) == 1
            else f"【催办督办汇总】{_summary(entries)}"
        )
        body = "\n".join(
            f"{n}. 【{e.kind}·{e.level_name}】{e.text}" for n, e in enumerate(entries, 1)
        )
        try:
            # the one masking step for mail: subject and body as they leave
            accepted = mailer.send([address], mask_personal_data(subject), mask_personal_data(body))
        except OSError as exc:  # SMTP down: the in-app notices still stand
            log.warning("提醒邮件发送失败（%s）：%s", address, exc)
            report.email_errors.append(f"{address}: {exc}")
            continue
        report.emails += accepted
        for entry in entries:
            entry.log.emailed += accepted
