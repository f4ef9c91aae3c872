"""An item the user may not see, one that does not exist and an unknown URL: the same Chinese 404."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from webapp.errors import PAGES

NOT_FOUND_MESSAGE = PAGES[404][1]


def login(client: FlaskClient, username: str) -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    response = client.post(
        "/auth/login",
        data={"username": username, "password": "huiying-demo", "csrf_token": token.group(1)},
    )
    assert response.status_code == 302


def assert_not_found(response, what: str) -> None:  # type: ignore[no-untyped-def]
    page = response.get_data(as_text=True)
    assert response.status_code == 404, what
    assert NOT_FOUND_MESSAGE in page, what
    assert "Not Found" not in page, what


def test_invisible_missing_and_unknown_all_give_the_chinese_404(
    app: Flask, client: FlaskClient, make_item, csrf, version
) -> None:  # type: ignore[no-untyped-def]
    other = make_item("NF1", "化工园区扩区", "我县化工园区何时扩区？", route_to="chemical")
    login(client, "zxqy-sh")  # 审核人 of another 处室: sees the ledger, workbench and review
    for url in (f"/ledger/items/{other}", f"/workbench/items/{other}", f"/review/items/{other}"):
        assert_not_found(client.get(url), url)
        assert_not_found(client.get(url.replace(str(other), "999999")), url)
    before = version(other)
    response = client.post(
        f"/workbench/items/{other}/draft",
        data={"csrf_token": csrf(client), "version": before, "text": "改"},
    )
    assert_not_found(response, "draft")
    assert version(other) == before
    assert_not_found(client.get("/no/such/page"), "unknown URL")


def test_triage_desk_gets_the_same_404_for_a_missing_item(client: FlaskClient) -> None:
    login(client, "fenban")
    assert_not_found(client.get("/triage/items/999999"), "triage item")
