"""Admin edits a crawl source (data/sources/<slug>.toml) in the page: validated by the crawler's
own loader (a wrong key is refused with file, key and nearest valid key, and nothing is saved),
saved with the old file kept as a version, read by the next crawl without a restart."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

from flask import Flask

from crawler.config.sources import load_source
from ledger.settings import REPO_ROOT
from webapp.database import get_session


def _login(app: Flask, username: str, password: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    client.post(
        "/auth/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
    )
    return client


def test_source_edited_in_the_page(app: Flask, tmp_path: Path, csrf) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    app.config["DATA_DIR"] = str(data)
    path = data / "sources" / "demo_board.toml"
    original = path.read_text(encoding="utf-8")
    admin = _login(app, "admin", "huiying-admin")
    url = "/admin/sources/demo_board/edit"
    assert "编辑 demo_board.toml" in admin.get("/admin/sources").get_data(as_text=True)
    page = html.unescape(admin.get(url).get_data(as_text=True))
    assert original.splitlines()[2] in page  # the file in the editor

    typo = original.replace('paging = "page"', 'pagin = "page"', 1)
    refused = html.unescape(
        admin.post(url, data={"csrf_token": csrf(admin, url), "text": typo}).get_data(as_text=True)
    )
    assert "来源配置未保存" in refused
    assert "data/sources/demo_board.toml" in refused and "`list.pagin`" in refused
    assert "最接近的有效键是 `paging`" in refused
    assert 'pagin = "page"' in refused  # the typed text stays in the editor
    assert path.read_text(encoding="utf-8") == original

    renamed = original.replace('name = "网上留言板（演示）"', 'name = "网上留言板（新版）"', 1)
    saved = admin.post(
        url, data={"csrf_token": csrf(admin, url), "text": renamed}, follow_redirects=True
    ).get_data(as_text=True)
    assert "下次采集起生效" in saved
    # what the next crawl loads: the crawler reads the file at every crawl, no restart
    assert load_source("demo_board", data / "sources").name == "网上留言板（新版）"
    versions = list((tmp_path / "config_versions" / "sources" / "demo_board").glob("*.toml"))
    assert len(versions) == 1 and versions[0].read_text(encoding="utf-8") == original
    old = admin.get(f"{url}?version={versions[0].name}").get_data(as_text=True)
    assert "正在查看历史版本" in old and "网上留言板（演示）" in old
    with app.app_context():
        from sqlalchemy import select

        from ledger.models import Event

        [event] = get_session().scalars(select(Event).where(Event.action == "修改采集来源"))
        assert event.after == {"来源": "demo_board", "新建": False, "原版本存为": versions[0].name}

    # only the admin
    handler = _login(app, "zxqy", "huiying-demo")
    assert handler.get(url).status_code == 403
    assert handler.post(url, data={"text": renamed}).status_code in (400, 403)
    assert admin.get("/admin/sources/..%2Fx/edit").status_code in (302, 404)


def test_new_source_created_in_the_page(app: Flask, tmp_path: Path, csrf) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    app.config["DATA_DIR"] = str(data)
    admin = _login(app, "admin", "huiying-admin")
    assert "新建来源" in admin.get("/admin/sources").get_data(as_text=True)

    start = html.unescape(
        admin.get("/admin/sources/new?slug=city_board&example=demo_mailbox").get_data(as_text=True)
    )
    assert "新建来源配置" in start and "尚未保存" in start
    assert 'slug = "city_board"' in start and 'slug = "demo_mailbox"' not in start
    assert not (data / "sources" / "city_board.toml").exists()  # nothing saved by opening it

    example = (data / "sources" / "demo_mailbox.toml").read_text(encoding="utf-8")
    text = example.replace('slug = "demo_mailbox"', 'slug = "city_board"', 1)
    text = re.sub(r'^name = "[^"]*"', 'name = "市长信箱"', text, count=1, flags=re.MULTILINE)
    url = "/admin/sources/city_board/edit"
    wrong = text.replace("[list]", "[lists]", 1)
    refused = html.unescape(
        admin.post(url, data={"csrf_token": csrf(admin, "/admin/sources"), "text": wrong}).get_data(
            as_text=True
        )
    )
    assert "来源配置未保存" in refused and "新建来源配置" in refused
    assert not (data / "sources" / "city_board.toml").exists()

    saved = admin.post(
        url, data={"csrf_token": csrf(admin, "/admin/sources"), "text": text}, follow_redirects=True
    ).get_data(as_text=True)
    assert "下次采集起生效" in saved
    assert load_source("city_board", data / "sources").name == "市长信箱"
    with app.app_context():
        from sqlalchemy import select

        from ledger.models import Event

        [event] = get_session().scalars(select(Event).where(Event.action == "修改采集来源"))
        assert event.after == {"来源": "city_board", "新建": True, "原版本存为": None}

    # an existing code opens its editor; a bad code is refused with what to type
    again = admin.get("/admin/sources/new?slug=city_board")
    assert again.status_code == 302 and again.headers["Location"].endswith(url)
    bad = admin.get("/admin/sources/new?slug=City-Board", follow_redirects=True)
    assert "小写字母、数字或下划线" in bad.get_data(as_text=True)
    handler = _login(app, "zxqy", "huiying-demo")
    assert handler.get("/admin/sources/new?slug=x_board").status_code == 403
