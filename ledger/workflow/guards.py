"""What every workflow step shares: errors, role checks, the optimistic version check, the clock.

Steps live in ledger.workflow.triage (分办), ledger.workflow.handling (承办) and
ledger.workflow.review (审核). Each takes the session (the caller owns the transaction), the acting
user, the item id and the version of the item the user was looking at; a stale version raises
VersionConflict instead of overwriting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from ledger.clock.calendar import WorkingCalendar
from ledger.clock.deadlines import RuleBook, load_rules
from ledger.models import Item, ItemStatus, Role, User
from ledger.queries import NotVisible, get_item


class WorkflowError(ValueError):
    """The step is not allowed now; the message (Chinese) says why and what to do."""


class NotPermitted(WorkflowError):
    """The user's role may not take this step."""


class VersionConflict(WorkflowError):
    """Someone else changed the item since the user loaded it."""


class MissingVersion(VersionConflict):
    """The request did not say which version the user saw: refused like a stale one."""


MISSING_VERSION_MESSAGE = (
    "没有收到您所看页面的版本号（表单缺少版本号或版本号无效），无法确认事项未被他人修改，"
    "本次操作未保存。请刷新页面后重试。"
)
CONFLICT_MESSAGE = (
    "该事项已被他人修改（您看到的是第 {seen} 版，现在是第 {now} 版），本次操作未保存。"
    "请刷新页面查看最新内容后重试。"
)


@dataclass(frozen=True)
class Clock:
    """The deadline rules and the working-day calendar, loaded once and passed in."""

    rules: RuleBook
    calendar: WorkingCalendar

    @classmethod
    def from_data_dir(cls, data_dir: Path) -> Clock:
        return cls(
            rules=load_rules(data_dir / "deadline_rules.toml"),
            calendar=WorkingCalendar.from_dir(data_dir / "holidays"),
        )


def now_utc() -> datetime:
    return datetime.now(UTC)


def require_role(user: User, roles: Iterable[Role], action: str) -> None:
    allowed = set(roles)
    if not user.has_role(*allowed):
        names = "、".join(r.value for r in allowed)
        raise NotPermitted(f"只有{names}可以{action}。")


def load_item(session: Session, user: User, item_id: int, version: int | None) -> Item:
    """The item as `user` may see it (else NotVisible), checked against the version they saw.

    `version` is required: None (a form without it, or with garbage) is refused, never "no check".
    """
    item = get_item(session, user, item_id)
    check_version(item, version)
    return item


def check_version(item: Item, version: int | None) -> None:
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise MissingVersion(MISSING_VERSION_MESSAGE)
    if item.version != version:
        raise VersionConflict(CONFLICT_MESSAGE.format(seen=version, now=item.version))


def require_status(item: Item, statuses: Iterable[str], action: str) -> None:
    allowed = list(statuses)
    if item.status not in allowed:
        raise WorkflowError(
            f"事项当前状态为「{item.status}」，不能{action}（需为：{'、'.join(allowed)}）。"
        )


def refuse_while_paused(item: Item, action: str) -> None:
    """A paused clock must be resumed first: moving the item would leave the pause open forever."""
    if item.status == ItemStatus.PAUSED:
        raise WorkflowError(
            f"该事项计时暂停中（补正或征求第三方意见）：请先「恢复计时」，再{action}。"
        )


def touch(item: Item, now: datetime) -> None:
    """Mark the item changed, so its version moves even when only related rows changed."""
    item.updated_at = now


__all__ = [
    "CONFLICT_MESSAGE",
    "MISSING_VERSION_MESSAGE",
    "Clock",
    "MissingVersion",
    "NotPermitted",
    "NotVisible",
    "VersionConflict",
    "WorkflowError",
    "check_version",
    "load_item",
    "now_utc",
    "require_role",
    "require_status",
    "touch",
]
