"""编号 for hand-entered items: RG-<Asia/Shanghai date of entry>-<serial of the day>, e.g.
RG-20261202-0001, claimed together with the form's token before the item is written.

The database decides, not a counter in this process: the next serial is read from the day's
claims, and the claim row (number and token both unique) is inserted in a savepoint. When
another clerk's claim of the same number lands first — on PostgreSQL the insert waits for that
transaction and then fails — the savepoint is rolled back and the following number is tried.
The claim is made here and not through intake's own (source, external_id) constraint because
intake treats a repeated external_id as the same record delivered again and would update the
other clerk's item instead of failing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.clock.deadlines import SHANGHAI
from ledger.intake.record_checks import IntakeError
from ledger.models import EntryNumber

PREFIX = "RG"
ATTEMPTS = 50  # clerks racing for one day's numbers: each lost race moves one number on


def day_prefix(now: datetime) -> str:
    return f"{PREFIX}-{now.astimezone(SHANGHAI):%Y%m%d}-"


def registered_item(session: Session, token: str) -> int | None:
    """The item a form (its token) already registered, if any."""
    return session.scalar(select(EntryNumber.item_id).where(EntryNumber.token == token))


def claim(session: Session, token: str, now: datetime) -> EntryNumber:
    """The form's claim: a new one with the day's next free number, or the one this form made
    before (its `item_id` set) when the same form was submitted again, even at the same moment."""
    prefix = day_prefix(now)
    for _attempt in range(ATTEMPTS):
        found = session.scalar(select(EntryNumber).where(EntryNumber.token == token))
        if found is not None:
            return found
        row = EntryNumber(token=token, number=next_number(session, prefix), created_at=now)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            continue  # the number (or this very form) was claimed meanwhile: look again
        return row
    raise IntakeError("同一时间录入的事项过多，未能分配编号，请稍后重新提交")


def next_number(session: Session, prefix: str) -> str:
    last = session.scalar(
        select(EntryNumber.number)
        .where(EntryNumber.number.like(f"{prefix}%"))
        .order_by(func.length(EntryNumber.number).desc(), EntryNumber.number.desc())
        .limit(1)
    )
    serial = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{serial:04d}"  # a 10,000th entry of a day gets five digits
