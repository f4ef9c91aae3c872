"""催办 at the warning point and 督办 up a configurable chain when overdue, each sent once.

`run_reminders` is what `huiying remind` and the web app's scheduler call. The reminder log has a
unique key (item, kind, level, due time), so running it twice, or from several processes, never
sends a reminder twice.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from ledger.audit import record_event
from ledger.calendar import WorkingCalendar
from ledger.config_schema import UnknownKeyError, check_keys
from ledger.data_schemas import ESCALATION
from ledger.deadlines import SHANGHAI
from ledger.masking import mask_personal_data
from ledger.models import Department, Item, ReminderLog, Role, User
from ledger.notices import Mailer, notify
from ledger.queries import OVERDUE_STATUSES

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
    emails: int = 0
    email_errors: list[str] = field(default_factory=list)


def _recipients(session: Session, item: Item, roles: tuple[Role, ...]) -> list[User]:
    dept_roles = [r.value for r in roles if r in DEPARTMENT_ROLES]
    office_roles = [r.value for r in roles if r not in DEPARTMENT_ROLES]
    users: list[User] = []
    if dept_roles and item.department_id is not None:
        users += session.scalars(
            select(User).where(
                User.department_id == item.department_id, User.role.in_(dept_roles), User.active
            )
        ).all()
    if office_roles:
        users += session.scalars(select(User).where(User.role.in_(office_roles), User.active)).all()
    return users


def _send(
    session: Session,
    item: Item,
    kind: str,
    level: int,
    level_name: str,
    users: list[User],
    extra_emails: list[str],
    text: str,
    now: datetime,
    mailer: Mailer | None,
    report: ReminderReport,
) -> bool:
    """Log, notify and mail once; False when this reminder was already sent."""
    assert item.due_at is not None
    try:
        with session.begin_nested():
            session.add(
                ReminderLog(
                    item_id=item.id,
                    kind=kind,
                    level=level,
                    level_name=level_name,
                    due_at=item.due_at,
                    sent_at=now,
                    recipients=[u.username for u in users] + extra_emails,
                )
            )
            session.flush()
    except IntegrityError:
        return False  # another process sent it first
    notify(session, users, item, kind, text, now)
    record_event(
        session,
        item,
        "system",
        kind if kind == "催办" else f"督办（{level_name}）",
        after={"通知": [u.username for u in users], "邮件": extra_emails or None},
        note=text,
        at=now,
    )
    addresses = sorted({u.email for u in users if u.email} | set(extra_emails))
    if mailer is not None and addresses:
        try:
            sent = mailer.send(addresses, f"【{kind}】{mask_personal_data(item.title)}", text)
            report.emails += sent
            entry = session.scalar(
                select(ReminderLog).where(
                    ReminderLog.item_id == item.id,
                    ReminderLog.kind == kind,
                    ReminderLog.level == level,
                    ReminderLog.due_at == item.due_at,
                )
            )
            if entry is not None:
                entry.emailed = sent
        except OSError as exc:  # SMTP down: the in-app notice still stands
            log.warning("提醒邮件发送失败（事项 %s）：%s", item.id, exc)
            report.email_errors.append(f"#{item.id}: {exc}")
    return True


def run_reminders(
    session: Session,
    now: datetime,
    escalation: Escalation,
    calendar: WorkingCalendar,
    mailer: Mailer | None = None,
) -> ReminderReport:
    """Send every 催办 and 督办 that is due at `now` and has not been sent yet."""
    report = ReminderReport()
    items = session.scalars(
        select(Item)
        .options(joinedload(Item.department))
        .where(
            Item.status.in_(OVERDUE_STATUSES), Item.due_at.is_not(None), Item.replied_at.is_(None)
        )
        .order_by(Item.due_at)
    ).all()
    depts = {d.id: d for d in session.scalars(select(Department))}
    today = now.astimezone(SHANGHAI).date()
    for item in items:
        assert item.due_at is not None
        due_local = item.due_at.astimezone(SHANGHAI)
        title = mask_personal_data(item.title)
        if now <= item.due_at:
            if item.warn_at is not None and now >= item.warn_at and item.department_id:
                text = (
                    f"催办：「{title}」（编号 {item.external_id}）将于 {due_local:%Y-%m-%d %H:%M} 到期，"
                    "请抓紧办理并提交审核。"
                )
                users = _recipients(session, item, escalation.reminder_roles)
                if _send(session, item, "催办", 0, "临期", users, [], text, now, mailer, report):
                    report.urged.append(item.id)
            continue
        overdue_days = calendar.workdays_between(due_local.date(), today)
        dept = depts.get(item.department_id) if item.department_id else None
        for n, level in enumerate(escalation.levels, start=1):
            if overdue_days < level.overdue_workdays:
                break
            text = (
                f"督办（{level.name}）：「{title}」（编号 {item.external_id}，"
                f"承办处室 {dept.name if dept else '待分办'}）已于 {due_local:%Y-%m-%d %H:%M} 到期，"
                f"超期第 {overdue_days} 个工作日，请立即办理。"
            )
            emails = list(level.emails)
            if dept and dept.code in level.department_emails:
                emails.append(level.department_emails[dept.code])
            users = _recipients(session, item, level.notify_roles)
            if _send(
                session, item, "督办", n, level.name, users, emails, text, now, mailer, report
            ):
                report.escalated.append((item.id, level.name))
    session.flush()
    return report
