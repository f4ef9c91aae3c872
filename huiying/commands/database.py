"""`huiying init-db`: create or migrate the database and load the catalogues in data/."""

from __future__ import annotations

import click

from ledger.db import make_engine, make_session_factory
from ledger.office.catalogue import CatalogueError, sync_departments, sync_users
from ledger.schema import upgrade
from ledger.settings import Settings


@click.command("init-db")
@click.option("--demo", is_flag=True, help="同时创建演示账号（data/demo_users.toml）。")
def init_db(demo: bool) -> None:
    """创建或迁移数据库（HUIYING_DATABASE_URL），并载入处室目录。"""
    settings = Settings.from_env()
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    try:
        revision = upgrade(engine)
        with make_session_factory(engine).begin() as session:
            counts = sync_departments(session, settings.data_dir / "departments.toml")
            users = sync_users(session, settings.data_dir / "demo_users.toml") if demo else []
    except CatalogueError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    click.echo(f"数据库：{engine.url.render_as_string(hide_password=True)}")
    click.echo(f"迁移版本：{revision}")
    click.echo(f"处室目录：新增 {counts.created}，更新 {counts.updated}")
    if demo:
        click.echo(f"演示账号：{len(users)} 个（见 data/demo_users.toml）")
