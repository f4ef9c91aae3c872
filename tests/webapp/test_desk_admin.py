"""Admin edits the deadline rules in the page (validated as the file is, versioned, effective
without a restart) and views and deletes a holiday file (kept as a version)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from ledger.settings import REPO_ROOT

HOLIDAYS_2031 = '[[holidays]]\nname = "元旦"\ndate = 2031-01-01\n'


def admin_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    client.post(
        "/auth/login",
        data={"username": "admin", "password": "huiying-admin", "csrf_token": token.group(1)},
    )
    return client


def _own_data(app: Flask, tmp_path: Path) -> Path:
    """A copy of data/ for this app: the test edits files there, never the repository's."""
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    app.config["DATA_DIR"] = str(data)
    return data


def test_rules_edited_in_the_page(app: Flask, tmp_path: Path, csrf) -> None:  # type: ignore[no-untyped-def]
    data = _own_data(app, tmp_path)
    admin = admin_client(app)
    original = (data / "deadline_rules.toml").read_text(encoding="utf-8")
    page = admin.get("/admin/rules").get_data(as_text=True)
    assert "校验并保存" in page and "无需重启" in page
    # the tab title is the page name (the edit form once sat in the title block too)
    assert "<title>办理时限规则 · huiying</title>" in page and page.count("rules-editor") == 1

    broken = original.replace('unit = "workdays"', 'unit = "weeks"', 1)
    refused = admin.post(
        "/admin/rules", data={"csrf_token": csrf(admin, "/admin/rules"), "text": broken}
    ).get_data(as_text=True)
    assert "规则未保存" in refused and "unit = &#34;weeks&#34;" in refused  # typed text kept
    assert (data / "deadline_rules.toml").read_text(encoding="utf-8") == original

    m = re.search(r'^name = "(.+)"$', original, re.M)
    assert m
    renamed = original.replace(m.group(0), f'name = "{m.group(1)}（新）"', 1)
    saved = admin.post(
        "/admin/rules",
        data={"csrf_token": csrf(admin, "/admin/rules"), "text": renamed},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已校验并保存" in saved and f"{m.group(1)}（新）" in saved  # in force, no restart
    versions = list((tmp_path / "config_versions" / "rules").glob("*.toml"))
    assert len(versions) == 1 and versions[0].read_text(encoding="utf-8") == original
    old = admin.get(f"/admin/rules?version={versions[0].name}").get_data(as_text=True)
    assert "正在查看历史版本" in old
    assert "正在查看历史版本" not in admin.get("/admin/rules?version=../x").get_data(as_text=True)


def test_holiday_file_viewed_and_deleted(app: Flask, tmp_path: Path, csrf) -> None:  # type: ignore[no-untyped-def]
    data = _own_data(app, tmp_path)
    admin = admin_client(app)
    admin.post(
        "/admin/holidays",
        data={"csrf_token": csrf(admin, "/admin/holidays"), "year": "2031", "text": HOLIDAYS_2031},
    )
    assert (data / "holidays" / "2031.toml").exists()
    assert "元旦" in admin.get("/admin/holidays/2031").get_data(as_text=True)
    page = admin.post(
        "/admin/holidays/2031/delete",
        data={"csrf_token": csrf(admin, "/admin/holidays")},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已删除" in page and not (data / "holidays" / "2031.toml").exists()
    kept = list((tmp_path / "config_versions" / "holidays").glob("*.toml"))
    assert [k.read_text(encoding="utf-8") for k in kept] == [HOLIDAYS_2031]
