"""Migration 'desk_admin' goes up and down on both backends: each user's single role becomes their
role set and back (the first role); the crawl log table comes and goes."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.db import make_engine
from ledger.models import Role, User
from ledger.schema import alembic_config


def _migrate(engine, url: str, target: str, down: bool = False) -> None:  # type: ignore[no-untyped-def]
    cfg = alembic_config(url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(cfg, target)


def test_roles_carried_over_up_and_down(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            zxqy = session.scalars(select(User).where(User.username == "zxqy")).one()
            zxqy.roles = [Role.REVIEWER, Role.HANDLER]  # two roles: the first survives a downgrade
            # rows that point at the users (SQLite must not rebuild user_account under them)
            record_event(session, None, zxqy, "登录", after={"测试": True}, at=datetime.now(UTC))
        _migrate(engine, database_url, "desk_admin-1", down=True)
        assert not inspect(engine).has_table("user_role")
        assert not inspect(engine).has_table("crawl_run")
        with engine.connect() as conn:
            single = dict(conn.execute(text("SELECT username, role FROM user_account")).all())
        assert single["zxqy"] == "审核人" and single["admin"] == "管理员"
        assert single["fenban"] == "分办员"
        with engine.begin() as conn:  # a role changed while downgraded is what comes back up
            conn.execute(text("UPDATE user_account SET role = '督办' WHERE username = 'fenxi'"))
        _migrate(engine, database_url, "head")
        assert inspect(engine).has_table("crawl_run")
        assert "role" not in {c["name"] for c in inspect(engine).get_columns("user_account")}
        with Session(engine) as session:
            users = {u.username: u.roles for u in session.scalars(select(User))}
        assert users["zxqy"] == [Role.REVIEWER]
        assert users["fenxi"] == [Role.SUPERVISOR] and users["admin"] == [Role.ADMIN]
    finally:
        engine.dispose()
