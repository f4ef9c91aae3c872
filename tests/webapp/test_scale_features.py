"""Office-scale features on both backends, on bulk demo data (`huiying demo-data`): keyset paging,
bounded counts, the bigram-indexed Chinese search, the board's SQL figures, the streamed export,
and the `speed` migration down and up again."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from huiying.cli import main
from ledger import queries
from ledger.db import make_engine, make_session_factory
from ledger.exports.items import write_workbook
from ledger.models import Event, Item, User
from ledger.queries import ItemFilter, list_page
from ledger.schema import alembic_config, current_revision
from ledger.workflow import supervision
from webapp import create_app

from .test_sessions import sign_in

ITEMS = 420


@pytest.fixture(scope="module")
def filled(module_database_url: str) -> str:
    result = CliRunner().invoke(
        main,
        ["demo-data", "--items", str(ITEMS), "--years", "1"],
        env={"HUIYING_DATABASE_URL": module_database_url},
    )
    assert result.exit_code == 0, result.output
    assert f"事项：{ITEMS}" in result.output and "操作记录：" in result.output
    return module_database_url


@pytest.fixture(scope="module")
def scale_app(filled: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": filled,
            "INSTANCE_DIR": str(tmp_path_factory.mktemp("inst")),
        }
    )
    yield app
    app.extensions["huiying.engine"].dispose()


@pytest.fixture
def db(filled: str) -> Iterator[Session]:
    engine = make_engine(filled)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


def _user(session: Session, name: str) -> User:
    return session.scalars(select(User).where(User.username == name)).one()


def test_demo_data_is_realistic_and_sequences_go_on(db: Session) -> None:
    items = db.scalars(select(Item)).all()
    assert len(items) == ITEMS
    statuses = {i.status for i in items}
    assert {"已答复", "已退回"} <= statuses and statuses & {"办理中", "待审核", "待分办"}
    channels = {i.source.channel for i in items}
    assert channels >= {"12345", "留言板", "领导信箱"}
    assert len({i.department_id for i in items}) > 8
    oldest = min(i.received_at for i in items)
    assert oldest < datetime.now(UTC) - timedelta(days=300)
    assert db.scalar(select(Event).where(Event.action == "受理").limit(1)) is not None
    # explicit ids must leave the sequences past them: the ORM can still insert
    db.add(Event(item_id=items[0].id, actor="test", action="检查"))
    db.commit()


def test_keyset_pages_walk_every_item_once(scale_app: Flask, db: Session) -> None:
    client = scale_app.test_client()
    assert sign_in(client, "fenban").status_code == 302
    url, seen = "/ledger/", []
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += [int(n) for n in re.findall(r'href="/ledger/items/(\d+)"', html)[::1]]
        nxt = re.search(r'<a href="([^"]+)" rel="next">', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else ""
        assert "after=" in url or not url
    ordered = db.scalars(select(Item.id).order_by(Item.received_at.desc(), Item.id.desc())).all()
    assert list(dict.fromkeys(seen)) == list(ordered)
    assert client.get("/ledger/?after=junk").status_code == 400
    assert client.get("/ledger/?page=101").status_code == 400
    unknown = client.get("/ledger/?status=已完结")  # not a status: refused and said why, not a 500
    assert unknown.status_code == 400 and "状态“已完结”不存在" in unknown.get_data(as_text=True)


def test_counts_are_bounded_and_said_so(
    scale_app: Flask, client_for: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "COUNT_LIMIT", 100)
    html = client_for.get("/ledger/").get_data(as_text=True)
    assert "超过 100 条" in html
    assert "超过 50 条" in client_for.get("/ledger/?q=的").get_data(as_text=True)
    monkeypatch.setattr(queries, "COUNT_LIMIT", 10_000)
    assert f"共 {ITEMS} 条" in client_for.get("/ledger/").get_data(as_text=True)


@pytest.fixture
def client_for(scale_app: Flask) -> FlaskClient:
    client = scale_app.test_client()
    assert sign_in(client, "fenban").status_code == 302
    return client


@pytest.mark.parametrize("length", [2, 6, 1])
def test_search_finds_exactly_the_items_containing_the_phrase(db: Session, length: int) -> None:
    items = db.scalars(select(Item)).all()
    sample = items[7].body.replace("\n", "")
    phrase = sample[10 : 10 + length]
    fenban = _user(db, "fenban")
    page = list_page(db, fenban, ItemFilter(text=phrase), now=datetime.now(UTC), limit=ITEMS)
    expected = {
        i.id for i in items if phrase.lower() in f"{i.title}\n{i.body}\n{i.external_id}".lower()
    }
    assert {i.id for i in page.items} == expected and page.total == len(expected)
    assert items[7].id in expected


def test_board_figures_from_sql_match_a_count_over_the_rows(db: Session) -> None:
    now = datetime.now(UTC)
    duban = _user(db, "duban")
    board = supervision.board(db, duban, now, now - timedelta(days=90))
    rows = [
        i
        for i in db.scalars(select(Item).where(Item.received_at >= now - timedelta(days=90)))
        if i.status not in ("已合并", "已退回")
    ]
    states = [supervision.state(i, now) for i in rows]
    assert board.total.overdue == states.count("红牌") == len(board.overdue)
    assert board.total.due_soon == states.count("黄牌") == len(board.due_soon)
    answered = [i for i in rows if i.replied_at is not None]
    assert board.total.answered == len(answered)
    on_time = [i for i in answered if i.due_at is None or i.replied_at <= i.due_at]
    assert board.total.answered_on_time == len(on_time)
    seconds = sum(max((i.replied_at - i.received_at).total_seconds(), 0) for i in answered)
    assert abs(board.total.response_total.total_seconds() - seconds) < 1
    assert sum(r.open for r in board.rows) == board.total.open


def test_export_streams_every_row(db: Session, tmp_path: Path) -> None:
    fenban = _user(db, "fenban")
    path = tmp_path / "out.xlsx"
    with path.open("wb") as out:
        count = write_workbook(db, fenban, ItemFilter(), datetime.now(UTC), out)
    assert count == ITEMS
    ws = load_workbook(BytesIO(path.read_bytes())).active
    assert ws.max_row == ITEMS + 1 and ws["A1"].value == "序号"


def test_speed_migration_goes_down_and_up(filled: str) -> None:
    engine = make_engine(filled)
    cfg = alembic_config(filled)
    command.downgrade(cfg, "speed-1")  # just below this migration, wherever it is chained
    assert (
        current_revision(engine)
        == ScriptDirectory.from_config(cfg).get_revision("speed").down_revision
    )
    command.upgrade(cfg, "head")
    assert current_revision(engine) == ScriptDirectory.from_config(cfg).get_current_head()
    engine.dispose()


def test_running_items_index_goes_down_and_up_and_answers_the_overdue_count(filled: str) -> None:
    """Migration `speed_1m`: PostgreSQL's partial index over the running items is dropped and made
    again, and the 台账's "仅超期" count is read from it alone; SQLite has nothing to do."""
    from sqlalchemy import func, inspect, text

    engine = make_engine(filled)
    cfg = alembic_config(filled)
    postgres = engine.dialect.name == "postgresql"

    def indexes() -> set[str]:
        return {i["name"] for i in inspect(engine).get_indexes("item") if i["name"]}

    command.downgrade(cfg, "speed_1m-1")
    assert current_revision(engine) == "dupe_no_fk"
    assert "ix_item_running_due" not in indexes()
    command.upgrade(cfg, "head")
    assert ("ix_item_running_due" in indexes()) is postgres
    if postgres:
        with make_session_factory(engine)() as session:
            fenban = _user(session, "fenban")
            now = datetime.now(UTC)
            stmt = queries.filtered(fenban, ItemFilter(overdue_only=True), now=now)
            count = select(func.count()).select_from(stmt.with_only_columns(Item.id).subquery())
            sql = str(count.compile(engine, compile_kwargs={"literal_binds": True}))
            session.execute(text("SET LOCAL enable_seqscan = off"))  # 420 rows: any plan is cheap
            plan = "\n".join(session.scalars(text("EXPLAIN " + sql)))
            assert "Index Only Scan using ix_item_running_due" in plan
    engine.dispose()


@pytest.mark.parametrize(
    ("probe", "walk", "direct"),
    [(1_000, 10_000, 0), (3, 10_000, 0), (1, 1, 0), (1_000, 10_000, 10**9)],
)
@pytest.mark.parametrize("username", ["fenban", "zxqy"])
def test_search_pages_are_the_same_whichever_way_they_are_found(
    db: Session,
    monkeypatch: pytest.MonkeyPatch,
    probe: int,
    walk: int,
    direct: int,
    username: str,
) -> None:
    """The walk over the newest rows (after a short probe), the bigram index, and the walk
    falling back to the index give the same pages: newest first, only what the user may see,
    paged by offset and cursor."""
    monkeypatch.setattr(queries, "SEARCH_PROBE", probe)
    monkeypatch.setattr(queries, "SEARCH_WALK", walk)
    monkeypatch.setattr(queries, "SEARCH_DIRECT", direct)
    user = _user(db, username)
    visible = db.scalars(queries.visible_items(user)).all()
    newest = sorted(visible, key=lambda i: (i.received_at, i.id), reverse=True)
    sample = next(i for i in newest[40:] if len(i.body) > 30).body.replace("\n", "")
    for phrase in (sample[5:7], sample[12:18], "中小 企业", "没有这样的词语"):
        words = phrase.lower().split()
        expected = [
            i.id
            for i in newest
            if all(w in f"{i.title} {i.body} {i.external_id}".lower() for w in words)
        ]
        now = datetime.now(UTC)
        flt = ItemFilter(text=phrase)
        got, after, offset = [], None, 0
        while True:
            page = list_page(db, user, flt, now=now, limit=7, after=after, offset=offset)
            got += [i.id for i in page.items]
            if page.after is None:
                break
            # the second page by offset, the rest by cursor (as the pager links do)
            after, offset = (None, 7) if not got[7:] and offset == 0 else (page.after, 0)
        assert got == expected, phrase
    assert all(i.department_id == user.department_id for i in visible) or username == "fenban"
