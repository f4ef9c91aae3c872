"""Users hold several roles: a users file may list them, every query that picks people by role
finds a user by any role they hold, and the rules use the union (an 办公室 role sees every 处室)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from ledger.models import Role
from ledger.office.catalogue import CatalogueError, sync_users
from ledger.workflow.guards import NotPermitted, require_role
from ledger.workflow.notices import department_users, users_with_roles

USERS = """
[[user]]
username = "both"
display_name = "承办兼审核"
password = "both-roles-secret"
role = ["处室承办人", "审核人"]
department = "sme"

[[user]]
username = "office-two"
display_name = "分办兼督办"
password = "office-two-secret"
role = ["分办员", "督办"]
department = "office"
"""


def test_users_file_lists_several_roles(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    path.write_text(USERS, encoding="utf-8")
    users = {u.username: u for u, _ in sync_users(session, path)}
    both, office = users["both"], users["office-two"]
    assert both.roles == [Role.HANDLER, Role.REVIEWER] and both.role == "处室承办人"
    assert both.role_names == "处室承办人、审核人"
    assert not both.sees_all_departments and office.sees_all_departments
    require_role(both, [Role.REVIEWER], "审核答复")  # any held role will do
    with pytest.raises(NotPermitted):
        require_role(both, [Role.TRIAGE, Role.ADMIN], "分办")
    # people picked by role: found by either role
    assert both in department_users(session, both.department_id, [Role.REVIEWER])
    assert both in department_users(session, both.department_id, [Role.HANDLER])
    assert office in users_with_roles(session, [Role.SUPERVISOR])
    assert office in users_with_roles(session, [Role.TRIAGE])
    assert office not in users_with_roles(session, [Role.ANALYST])


def test_a_wrong_role_in_a_list_is_refused(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    path.write_text(USERS.replace('"审核人"]', '"审核员"]'), encoding="utf-8")
    with pytest.raises(CatalogueError, match="role 无效"):
        sync_users(session, path)
