"""Error pages in Chinese with a way back, for every status a person may meet; a favicon."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, abort
from flask.testing import FlaskClient


def test_chinese_error_pages_with_a_way_back(
    client_for: Callable[[Flask, str], FlaskClient], app: Flask
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False  # show the 500 page as production does

    @app.get("/_boom")
    def boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    @app.get("/_busy")
    def busy():  # type: ignore[no-untyped-def]
        abort(429)

    handler = client_for(app, "zxqy")
    cases = {
        "/ledger/?page=abc": (400, "页码"),
        "/admin/": (403, "没有权限"),
        "/ledger/items/999999": (404, "找不到页面"),
        "/_busy": (429, "操作太频繁"),
        "/_boom": (500, "系统出错"),
    }
    for url, (code, words) in cases.items():
        response = handler.get(url, headers={"Referer": "http://localhost/workbench/"})
        html = response.get_data(as_text=True)
        assert response.status_code == code, url
        assert words in html and f"错误代码 {code}" in html, url
        assert "回到首页" in html and "返回上一页" in html, url
        assert "Traceback" not in html and "boom" not in html


def test_favicon(client: FlaskClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert b"<svg" in response.get_data()
    response.close()
    assert 'rel="icon"' in client.get("/auth/login").get_data(as_text=True)
