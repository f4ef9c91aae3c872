"""Telling people: in-app notices and e-mail over SMTP (both optional per message).

`Mailer` is a protocol so tests and the CLI can pass a real SMTP mailer, a fake or nothing.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from ledger.models import Item, Notice, Role, User, UserRole
from ledger.queries import visible_items


class Mailer(Protocol):
    def send(self, to: list[str], subject: str, body: str) -> int:
        """Send one message; returns how many recipients were accepted."""
        ...


@dataclass(frozen=True)
class SmtpMailer:
    """Plain SMTP (optionally STARTTLS and login). Configured by HUIYING_SMTP_* settings."""

    host: str
    port: int = 25
    sender: str = "huiying@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> SmtpMailer | None:
        """From keys SMTP_HOST, SMTP_PORT, SMTP_SENDER, SMTP_USERNAME, SMTP_PASSWORD, SMTP_STARTTLS.

        Returns None when no SMTP_HOST is configured (notices stay in-app only).
        """
        host = config.get("SMTP_HOST")
        if not host:
            return None
        return cls(
            host=str(host),
            port=int(str(config.get("SMTP_PORT") or 25)),
            sender=str(config.get("SMTP_SENDER") or "huiying@localhost"),
            username=str(config["SMTP_USERNAME"]) if config.get("SMTP_USERNAME") else None,
            password=str(config["SMTP_PASSWORD"]) if config.get("SMTP_PASSWORD") else None,
            starttls=str(config.get("SMTP_STARTTLS") or "").lower() in ("1", "true", "yes"),
        )

    def send(self, to: list[str], subject: str, body: str) -> int:
        if not to:
            return 0
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = ", ".join(to)
        msg["Subject"] = subject
        msg.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            refused = smtp.send_message(msg)
        return len(to) - len(refused)


def notify(
    session: Session, users: Iterable[User], item: Item | None, kind: str, text: str, now: datetime
) -> list[Notice]:
    notices = [
        Notice(
            user_id=u.id, item_id=item.id if item else None, kind=kind, text=text, created_at=now
        )
        for u in users
        if u.active
    ]
    session.add_all(notices)
    return notices


def department_users(
    session: Session,
    department_id: int | None,
    roles: Iterable[Role] = (Role.HANDLER, Role.REVIEWER),
) -> list[User]:
    if department_id is None:
        return []
    return list(
        session.scalars(
            select(User).where(
                User.department_id == department_id,
                User.role_rows.any(UserRole.role.in_([r.value for r in roles])),
                User.active,
            )
        )
    )


def users_with_roles(session: Session, roles: Iterable[Role]) -> list[User]:
    return list(
        session.scalars(
            select(User).where(
                User.role_rows.any(UserRole.role.in_([r.value for r in roles])), User.active
            )
        )
    )


def visible_notices(user: User) -> Select[Notice]:
    """The user's notices that they may still act on: a notice about an item follows the item's
    visibility (the rule in ledger.queries), so after a 转办 the old 处室 no longer sees it — and
    sees it again if the item comes back. Nothing is deleted."""
    # EXISTS per notice (a primary-key lookup), not IN over all of the 处室's items: every page
    # shows the unread count, and a 处室 keeps hundreds of thousands of items over the years
    item_visible = visible_items(user).with_only_columns(Item.id).where(Item.id == Notice.item_id)
    return select(Notice).where(
        Notice.user_id == user.id,
        or_(Notice.item_id.is_(None), item_visible.exists()),
    )


def unread_count(session: Session, user: User) -> int:
    stmt = visible_notices(user).where(Notice.read_at.is_(None))
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


NOTICE_KINDS = ("分办", "退回", "审核", "审批", "催办", "督办")


def inbox(session: Session, user: User, limit: int = 100) -> list[Notice]:
    """The user's newest notices, unread first."""
    return inbox_page(session, user, limit=limit)[0]


def inbox_page(
    session: Session,
    user: User,
    *,
    kind: str | None = None,
    unread_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Notice], int]:
    """One page of the user's notices (unread first, newest first) and how many match."""
    stmt = visible_notices(user)
    if kind:
        stmt = stmt.where(Notice.kind == kind)
    if unread_only:
        stmt = stmt.where(Notice.read_at.is_(None))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(Notice.read_at.is_not(None), Notice.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), total


def told_about(session: Session, user: User, item_id: int) -> bool:
    """Did any notice to `user` name this item (directly or in a digest)? Only then may the
    "where did it go" page say what became of an item the user can no longer see."""
    direct = session.scalar(
        select(Notice.id).where(Notice.user_id == user.id, Notice.item_id == item_id).limit(1)
    )
    if direct is not None:
        return True
    digests = session.scalars(
        select(Notice.entries)
        .where(Notice.user_id == user.id, Notice.entries.is_not(None))
        .order_by(Notice.id.desc())
        .limit(500)
    )
    return any(e.get("item_id") == item_id for entries in digests for e in entries or [])


def has_unread_about(session: Session, user: User, item_id: int) -> bool:
    """Whether the user has unread notices about the item (a cheap read before marking them)."""
    stmt = visible_notices(user).where(Notice.read_at.is_(None), Notice.item_id == item_id)
    return session.scalar(select(stmt.exists())) or False


def mark_read(
    session: Session,
    user: User,
    now: datetime,
    *,
    ids: Iterable[int] | None = None,
    before: datetime | None = None,
    item_id: int | None = None,
) -> int:
    """Mark the user's unread notices read: all, only `ids`, only those about `item_id` (the user
    opened the item), or only those created before `before`."""
    stmt = visible_notices(user).where(Notice.read_at.is_(None))
    if item_id is not None:
        stmt = stmt.where(Notice.item_id == item_id)
    if ids is not None:
        stmt = stmt.where(Notice.id.in_(list(ids)))
    if before is not None:
        stmt = stmt.where(Notice.created_at < before)
    notices = session.scalars(stmt).all()
    for n in notices:
        n.read_at = now
    return len(notices)
