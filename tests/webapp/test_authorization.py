"""Authorisation matrix: every route × every role, per-处室 visibility by URL, inert crawled markup."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

ROLES = {  # username → role
    "admin": "管理员",
    "fenban": "分办员",
    "duban": "督办",
    "fenxi": "分析员",
    "zxqy": "处室承办人",
    "zxqy-sh": "审核人",
}
PASSWORDS = {"admin": "huiying-admin"}
ALL = set(ROLES.values())
PROPOSAL_STAFF = {"分办员", "管理员", "处室承办人", "审核人", "督办"}  # 建议提案: all but 分析员
PROPOSAL_OFFICE, PROPOSAL_LEAD = {"分办员", "管理员"}, {"处室承办人", "审核人"}
# blueprint → roles allowed (GET and POST alike); anything else gets 403
ACCESS = {
    "ledger": ALL,
    "notices": ALL,
    "triage": {"分办员", "管理员"},
    "workbench": {"处室承办人", "审核人"},
    "review": {"审核人", "督办"},
    "supervision": {"督办", "管理员", "分办员", "分析员"},
    "admin": {"管理员"},
    "analysis": {"分析员", "管理员", "督办", "分办员"},
    "entry": {"分办员", "管理员", "处室承办人", "审核人"},
    "foi": {"分办员", "管理员", "处室承办人", "审核人"},
    "events": {"分办员", "督办", "管理员", "审核人", "分析员"},  # leaders read only
    "proposals": PROPOSAL_STAFF,
    "proposal_summary": PROPOSAL_STAFF,
}
EVENT_EDITORS = {"分办员", "督办", "管理员"}  # data/opinion_events.toml [access]
# endpoints narrower than their blueprint
NARROWER = {
    "review.approve": {"审核人"},
    "review.return_reply": {"审核人"},
    "review.edit": {"审核人"},
    "supervision.urge": {"督办", "管理员"},
    "analysis.accept": {"分析员", "管理员"},
    "analysis.dismiss": {"分析员", "管理员"},
    "analysis.publish": {"分析员", "管理员"},
    "entry.attachment": ALL,  # whoever sees the item (per item: tests/webapp/test_entry_pages.py)
    "foi.annual": ALL,  # 依申请公开 annual statistics: every role, over the items it may see
    "foi.annual_export": ALL,
    "proposals.new": PROPOSAL_OFFICE,
    "proposals.register": PROPOSAL_OFFICE,
    "proposals.reply": PROPOSAL_LEAD,
    "proposals.cohandling": PROPOSAL_LEAD,
    **{
        f"proposals.{step}": PROPOSAL_OFFICE | PROPOSAL_LEAD
        for step in ("opinion", "contact", "satisfaction", "not_ours")
    },
    "proposal_summary.publish": PROPOSAL_OFFICE,
    **{
        f"events.{step}": EVENT_EDITORS
        for step in (
            "new",
            "create",
            "assess",
            "start",
            "respond",
            "note",
            "close",
            "link",
            "link_proposal",
            "dismiss",
        )
    },
}
# allowed, but the matrix's item has nothing there
EMPTY = {"entry.attachment", "foi.notice"} | {
    f"events.{step}"  # no 舆情事件 or proposal 1 in the matrix's database
    for step in ("show", "assess", "start", "respond", "note", "close", "link")
}
PUBLIC = {"static", "auth.login", "favicon"}


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
    assert response.status_code == 302, f"login failed for {username}"


def routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) for every route except static and login."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, rule.rule))
    return out


def fill(rule: str, own: int, adjustment: int = 1) -> str:
    return (
        rule.replace("<int:item_id>", str(own))
        .replace("<int:adjustment_id>", str(adjustment))
        .replace("<int:user_id>", "1")
        .replace("<int:department_id>", "1")
        .replace("<int:source_id>", "1")
        .replace("<month_text>", "2026-10")
        .replace("<int:rank>", "1")
        .replace("<ext>", "xlsx")
        .replace("<int:candidate_id>", "1")
        .replace("<int:notice_id>", "1")
        .replace("<int:year>", "2027")
        .replace("<int:no>", "1")
        .replace("<kind>", "correction")
        .replace("<fmt>", "html")
        .replace("<int:event_id>", "1")
        .replace("<int:proposal_id>", "1")
    )


def allowed(endpoint: str, role: str) -> bool:
    if endpoint in NARROWER:
        return role in NARROWER[endpoint]
    blueprint = endpoint.split(".")[0]
    if blueprint not in ACCESS:  # app-level: index, logout
        return True
    return role in ACCESS[blueprint]


def test_every_blueprint_is_in_the_matrix(app: Flask) -> None:
    blueprints = {e.split(".")[0] for e, _, _ in routes(app) if "." in e}
    assert blueprints - {"auth"} <= set(ACCESS), "new blueprint: add it to ACCESS"


def test_anonymous_is_sent_to_login_everywhere(app: Flask, client: FlaskClient, make_item) -> None:  # type: ignore[no-untyped-def]
    own = make_item("A1", "标题", "正文", route_to="sme")
    for endpoint, method, rule in routes(app):
        response = client.open(fill(rule, own), method=method)
        if method == "GET":
            assert response.status_code == 302 and "/auth/login" in response.headers["Location"], (
                endpoint
            )
        else:  # no session, no CSRF token: refused before anything happens
            assert response.status_code in (302, 400), endpoint


@pytest.mark.parametrize("username", list(ROLES))
def test_route_by_role_matrix(
    app: Flask, client: FlaskClient, username: str, make_item, csrf
) -> None:  # type: ignore[no-untyped-def]
    own = make_item("A1", "本处室事项", "中小企业融资难。", route_to="sme")
    login(client, username)
    role = ROLES[username]
    token = csrf(client)
    for endpoint, method, rule in routes(app):
        if endpoint == "auth.logout":
            continue
        url = fill(rule, own)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        if allowed(endpoint, role):
            assert response.status_code in ((200, 302, 404) if endpoint in EMPTY else (200, 302)), (
                f"{role} {method} {url}: {response.status_code}"
            )
        else:
            assert response.status_code == 403, f"{role} {method} {url}: {response.status_code}"


@pytest.mark.parametrize("username", ["zxqy", "zxqy-sh"])
def test_department_user_cannot_open_another_departments_item(
    app: Flask, client: FlaskClient, username: str, make_item, csrf, version
) -> None:  # type: ignore[no-untyped-def]
    other = make_item("O1", "化工园区扩区", "我县化工园区何时扩区？", route_to="chemical")
    login(client, username)
    token = csrf(client)
    item_urls = [(e, m, fill(r, other)) for e, m, r in routes(app) if "<int:item_id>" in r]
    assert item_urls
    for endpoint, method, url in item_urls:
        if not allowed(endpoint, ROLES[username]):
            continue
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(
                url,
                data={
                    "csrf_token": token,
                    "version": version(other),
                    "text": "改",
                    "reason": "x",
                    "comment": "x",
                },
            )
        assert response.status_code == 404, f"{method} {url}: {response.status_code}"
    assert version(other) == version(other)  # nothing changed it
    listing = client.get("/ledger/?q=化工园区").get_data(as_text=True)
    assert "化工园区扩区" not in listing
    export = client.get("/ledger/export.xlsx").get_data()
    assert "化工园区扩区".encode() not in export


def test_crawled_script_is_inert_on_every_page(
    app: Flask, client: FlaskClient, make_item, routing
) -> None:  # type: ignore[no-untyped-def]
    payload = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    item_id = make_item("X1", f"标题{payload}", f"正文{payload}", route_to=None)
    assert routing(item_id).status == "待分办"  # the model left it for triage: the queue shows it
    pages = {
        "fenban": [
            "/triage/?tab=all",
            f"/triage/items/{item_id}",
            "/ledger/",
            f"/ledger/items/{item_id}",
        ],
    }
    login(client, "fenban")
    for url in pages["fenban"]:
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;" in html, url
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
