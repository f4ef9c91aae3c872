"""Showing a citizen's contact details to the 处室 handling the item, so they can call back.

Everywhere else (lists, exports, notices, logs) personal data stays masked; here a handler of the
item's own 处室 asks for it on purpose, and every look is an audit event (who, when, why).
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.masking import mask_personal_data
from ledger.models import Role, User
from ledger.queries import get_item
from ledger.workflow.guards import WorkflowError, require_role

CONTACT_ROLES = (Role.HANDLER, Role.REVIEWER)
PURPOSES = ("回访诉求人，核实情况", "告知办理结果", "诉求人要求回电")
# Candidate numbers; what the masking rules would mask is what counts as contact data.
_CANDIDATE = re.compile(r"(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}|0[0-9]{2,3}-?[0-9]{7,8}")


def contact_numbers(text: str) -> list[str]:
    """Phone numbers in `text` (those the masking rules hide), in order, without repeats."""
    found: list[str] = []
    for m in _CANDIDATE.finditer(text or ""):
        number = m.group(0)
        if mask_personal_data(number) != number and number not in found:
            found.append(number)
    return found


def reveal_contact(
    session: Session, user: User, item_id: int, purpose: str, *, now: datetime
) -> list[str]:
    """The item's contact numbers for its own 处室's staff, logged as 查看联系方式."""
    require_role(user, CONTACT_ROLES, "查看诉求人联系方式")
    item = get_item(session, user, item_id)
    if item.department_id is None or item.department_id != user.department_id:
        raise WorkflowError("只有承办处室的人员可以查看诉求人联系方式。")
    if purpose not in PURPOSES:
        raise WorkflowError(f"请选择查看用途：{'、'.join(PURPOSES)}。")
    numbers = contact_numbers(item.body)
    record_event(
        session,
        item,
        user,
        "查看联系方式",
        after={"用途": purpose, "号码数": len(numbers)},
        at=now,
    )
    session.flush()
    return numbers
