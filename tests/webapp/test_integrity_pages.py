"""Workflow integrity through the real app: the version is required, typed text survives a
conflict, four eyes cannot be laundered, notices follow the item."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

PASSWORDS = {"admin": "huiying-admin"}
# the real model is unsure about this text: it waits for triage
WAITING = ("合同款一年多未结清", "某国有企业欠我公司合同款 80 余万元，多次催要无果，请求协调。")


def client_for(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
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
    return client


def reply_text(app: Flask, item_id: int) -> str | None:
    from ledger.models import Item
    from ledger.workflow.handling import staff_reply
    from webapp.database import get_session

    with app.app_context():
        item = get_session().get(Item, item_id)
        assert item is not None
        reply = staff_reply(item)
        return reply.text if reply else None


def test_a_form_without_a_valid_version_changes_nothing(
    app: Flask, make_item, csrf, version, routing
) -> None:  # type: ignore[no-untyped-def]
    waiting = make_item("V1", *WAITING)
    routed = make_item("V2", "拖欠账款", "国企拖欠货款。", route_to="sme")
    fenban, handler = client_for(app, "fenban"), client_for(app, "zxqy")
    for bad in ({}, {"version": "abc"}, {"version": ""}, {"version": "99999999999999999999"}):
        seen = version(waiting)
        html = fenban.post(
            f"/triage/items/{waiting}/confirm",
            data={"csrf_token": csrf(fenban), "department": "sme", **bad},
            follow_redirects=True,
        ).get_data(as_text=True)
        assert "没有收到您所看页面的版本号" in html and "本次操作未保存" in html, bad
        assert routing(waiting).status == "待分办" and version(waiting) == seen
        response = handler.post(
            f"/workbench/items/{routed}/draft",
            data={"csrf_token": csrf(handler), "text": "未带版本号的答复", **bad},
        )
        assert reply_text(app, routed) is None, bad
        # what was typed is not lost: the page comes back with it in the editor
        assert response.status_code == 409
        assert "未带版本号的答复" in response.get_data(as_text=True)


def test_after_a_conflict_the_typed_reply_is_kept_beside_the_saved_one(
    app: Flask, make_item, csrf, version
) -> None:  # type: ignore[no-untyped-def]
    item_id = make_item("K1", "拖欠账款", "国企拖欠货款。", route_to="sme")
    first, second = client_for(app, "zxqy-sh"), client_for(app, "zxqy")
    seen = version(item_id)  # both have the page open
    t1, t2 = csrf(first), csrf(second)
    first.post(
        f"/workbench/items/{item_id}/draft",
        data={"csrf_token": t1, "version": seen, "text": "先保存的答复：已督促付款。"},
    )
    response = second.post(
        f"/workbench/items/{item_id}/draft",
        data={"csrf_token": t2, "version": seen, "text": "后输入的答复：已约谈欠款企业。"},
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "已被他人修改" in html and "没有保存" in html
    editor = html[html.index('<textarea name="text"') :]
    editor = editor[: editor.index("</textarea>")]
    assert "后输入的答复：已约谈欠款企业。" in editor  # what they typed, ready to merge and save
    current = html[html.index("current-version") :]
    assert "先保存的答复：已督促付款。" in current[: current.index("</div>")]
    assert reply_text(app, item_id) == "先保存的答复：已督促付款。"  # nothing overwritten
    assert f'name="version" value="{version(item_id)}"' in html  # the next save can go through
    again = second.post(
        f"/workbench/items/{item_id}/draft",
        data={"csrf_token": t2, "version": version(item_id), "text": "合并后的答复。"},
    )
    assert again.status_code == 302 and reply_text(app, item_id) == "合并后的答复。"


def test_a_returned_reply_resubmitted_unchanged_is_not_approved_by_its_writer(
    app: Flask, make_item, csrf, version
) -> None:  # type: ignore[no-untyped-def]
    item_id = make_item("F1", "拖欠账款", "国企拖欠货款。", route_to="sme")
    head, handler = client_for(app, "zxqy-sh"), client_for(app, "zxqy")
    text = "审核人亲自写的答复。"
    head.post(
        f"/workbench/items/{item_id}/draft",
        data={
            "csrf_token": csrf(head),
            "version": version(item_id),
            "text": text,
            "action": "submit",
        },
    )
    head.post(
        f"/review/items/{item_id}/return",
        data={"csrf_token": csrf(head), "version": version(item_id), "comment": "由承办人提交"},
    )
    page = handler.get(f"/workbench/items/{item_id}").get_data(as_text=True)
    assert text in page  # the editor is prefilled with the head's text; submitted unchanged
    handler.post(
        f"/workbench/items/{item_id}/draft",
        data={
            "csrf_token": csrf(handler),
            "version": version(item_id),
            "text": text,
            "action": "submit",
        },
    )
    review_page = head.get(f"/review/items/{item_id}").get_data(as_text=True)
    assert "答复修改记录（1 版）" in review_page and "中小企业局审核人" in review_page
    assert "其中有您写的版本" in review_page
    html = head.post(
        f"/review/items/{item_id}/approve",
        data={"csrf_token": csrf(head), "version": version(item_id)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "答复已批准" not in html and "不能审核自己起草或修改过的答复" in html
    assert "待审核" in head.get(f"/ledger/items/{item_id}").get_data(as_text=True)


def test_notices_leave_with_the_item(app: Flask, make_item, csrf, version) -> None:  # type: ignore[no-untyped-def]
    item_id = make_item("M1", *WAITING)
    fenban, handler, chem = (
        client_for(app, "fenban"),
        client_for(app, "zxqy"),
        client_for(app, "hgb"),
    )
    link = f'href="/ledger/items/{item_id}"'
    fenban.post(
        f"/triage/items/{item_id}/confirm",
        data={"csrf_token": csrf(fenban), "version": version(item_id), "department": "sme"},
    )
    assert link in handler.get("/notices/").get_data(as_text=True)  # 新分办事项
    fenban.post(
        f"/triage/items/{item_id}/reroute",
        data={
            "csrf_token": csrf(fenban),
            "version": version(item_id),
            "department": "chemical",
            "reason": "属化工园区",
        },
    )
    assert handler.get(f"/ledger/items/{item_id}").status_code == 404
    inbox = handler.get("/notices/").get_data(as_text=True)
    assert link not in inbox  # no notice that leads to a 404
    assert link in chem.get("/notices/").get_data(as_text=True)  # the new 处室 has it
