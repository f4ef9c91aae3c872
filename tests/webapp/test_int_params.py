"""Absurd numbers in URLs, query strings and forms: 404 or 400 with a Chinese message, never 500."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

PASSWORDS = {"admin": "huiying-admin"}
# too large for any INTEGER column (SQLite's driver overflows), just too large for PostgreSQL's,
# negative, zero, not a number, full-width digits
BAD_IDS = ["99999999999999999999", "2147483648", "-1", "0", "abc", "１２"]
BAD_NUMBERS = ["99999999999999999999", "2147483648", "-5", "abc", "１２", "1e3"]
INT_PARAM = re.compile(r"<int(?:\([^)]*\))?:(\w+)>")


def login(client: FlaskClient, username: str) -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    response = client.post(
        "/auth/login",
        data={
            "username": username,
            "password": PASSWORDS.get(username, "huiying-demo"),
            "csrf_token": token.group(1),
        },
    )
    assert response.status_code == 302, username


def int_routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) for every route with an int parameter."""
    out = []
    for rule in app.url_map.iter_rules():
        if INT_PARAM.search(rule.rule):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                out.append((rule.endpoint, method, rule.rule))
    return out


def test_every_int_route_param_is_bounded(
    app: Flask, client: FlaskClient, make_item, csrf, version
) -> None:  # type: ignore[no-untyped-def]
    own = make_item("N1", "本处室事项", "中小企业融资难。", route_to="sme")
    login(client, "admin")  # the number is refused before the role check, for every role
    token = csrf(client)
    walked = int_routes(app)
    assert len(walked) >= 15, walked  # items, review clock requests, admin users/departments/...
    for endpoint, method, rule in walked:
        for bad in [*BAD_IDS, str(2**31 - 1)]:  # the largest id is valid, but no such row
            url = INT_PARAM.sub(bad, rule)
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(
                    url, data={"csrf_token": token, "version": "1", "reason": "x", "text": "x"}
                )
            if bad == str(2**31 - 1):  # reaches the view: not found, or refused with a message
                assert response.status_code in (302, 403, 404), f"{endpoint} {method} {url}"
            else:
                assert response.status_code == 404, f"{endpoint} {method} {url}"
    assert client.get(f"/ledger/items/{own}").status_code == 200  # a real id still works


def _expect_400(response, what: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, f"{what}: {response.status_code}"
    html = response.get_data(as_text=True)
    assert "应为" in html and "之间的整数" in html, what


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_list_filters_refuse_absurd_numbers(app: Flask, client: FlaskClient, bad: str) -> None:
    login(client, "fenban")
    for url in ("/ledger/?page=", "/ledger/?department=", "/ledger/export.xlsx?department="):
        _expect_400(client.get(url + bad), url + bad)
    assert client.get("/ledger/?page=2&department=").status_code == 200  # empty: no filter


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_form_and_query_numbers_refuse_absurd_values(
    app: Flask, make_item, csrf, version, bad: str
) -> None:  # type: ignore[no-untyped-def]
    waiting = make_item(
        "N2", "合同款一年多未结清", "某国有企业欠我公司合同款 80 余万元，多次催要无果，请求协调。"
    )
    own = make_item("N3", "本处室事项", "中小企业融资难。", route_to="sme")
    fenban, handler, admin = app.test_client(), app.test_client(), app.test_client()
    login(fenban, "fenban")
    login(handler, "zxqy")
    login(admin, "admin")
    t = csrf(fenban)
    _expect_400(
        fenban.post(
            f"/triage/items/{waiting}/merge",
            data={"csrf_token": t, "version": version(waiting), "target": bad},
        ),
        "merge target",
    )
    _expect_400(
        fenban.post("/triage/bulk-confirm", data={"csrf_token": t, "item": f"{bad}:1"}),
        "bulk item",
    )
    _expect_400(handler.get(f"/workbench/items/{own}?template={bad}"), "template")
    _expect_400(
        handler.post(
            f"/workbench/items/{own}/extension",
            data={
                "csrf_token": csrf(handler),
                "version": version(own),
                "amount": bad,
                "reason": "x",
            },
        ),
        "extension amount",
    )
    _expect_400(
        admin.post("/admin/holidays", data={"csrf_token": csrf(admin), "year": bad, "text": ""}),
        "holiday year",
    )
