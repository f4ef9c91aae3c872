"""Workbench and review as the 处室 use them: a template hint left in the reply blocks submit
(the draft is kept), pending extensions show with their resulting deadline, contact details only
for the item's own 处室 and logged, the reviewer sees who submitted and what changed, and a
reviewer's edit needs another reviewer's approval."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ledger.models import Department, Event, Item, ItemStatus, Role, User
from ledger.office.accounts import hash_password
from webapp.database import get_session

SME = ("关于专精特新认定的咨询", "我厂想了解专精特新申报条件，联系电话 13912345678，谢谢。")
HINT = "（在此写明答复内容：政策依据、办理情况、联系方式。）"


def _status(app: Flask, item_id: int) -> str:
    with app.app_context():
        return str(get_session().get(Item, item_id).status)  # type: ignore[union-attr]


def test_template_hint_blocks_submit_and_the_draft_is_kept(
    client_for: Callable[[Flask, str], FlaskClient], app: Flask, make_item, csrf, version
) -> None:  # type: ignore[no-untyped-def]
    item_id = make_item("WB-1", *SME, route_to="sme")
    handler = client_for(app, "zxqy")
    text = f"您好！来信收悉。\n\n{HINT}\n\n感谢您的关心。"
    page = handler.post(
        f"/workbench/items/{item_id}/draft",
        data={
            "csrf_token": csrf(handler),
            "version": version(item_id),
            "text": text,
            "action": "submit",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "未替换的模板提示" in page and HINT in page
    assert _status(app, item_id) == ItemStatus.IN_PROGRESS
    assert HINT in page.split('id="reply-text"')[1]  # the draft was saved, not lost
    # without JavaScript, choosing a template adds it after the saved draft
    fallback = handler.get(f"/workbench/items/{item_id}?template=0").get_data(as_text=True)
    box = fallback.split('id="reply-text"')[1].split("</textarea>")[0]
    assert "您好！来信收悉。" in box and box.count("感谢") >= 2
    done = handler.post(
        f"/workbench/items/{item_id}/draft",
        data={
            "csrf_token": csrf(handler),
            "version": version(item_id),
            "text": text.replace(HINT, "申报将于 6 月启动。"),
            "action": "submit",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "答复已提交审核" in done and _status(app, item_id) == ItemStatus.IN_REVIEW


def test_extension_preview_pending_shown_and_reviewer_sees_unit_and_deadline(
    client_for: Callable[[Flask, str], FlaskClient],  # type: ignore[no-untyped-def]
    app: Flask,
    make_item,
    csrf,
    version,
) -> None:
    item_id = make_item("WB-2", *SME, route_to="sme")
    handler = client_for(app, "zxqy")
    page = handler.get(f"/workbench/items/{item_id}").get_data(as_text=True)
    assert "批准后办理时限" in page and 'data-previews="{' in page
    handler.post(
        f"/workbench/items/{item_id}/extension",
        data={
            "csrf_token": csrf(handler),
            "version": version(item_id),
            "amount": "5",
            "reason": "需会同市场监管部门核查",
        },
    )
    page = handler.get(f"/workbench/items/{item_id}").get_data(as_text=True)
    assert re.search(r"延期 5 个工作日</strong>，批准后办理时限为 <strong>\d{4}-\d\d-\d\d", page)
    listing = handler.get("/workbench/").get_data(as_text=True)
    assert "延期待批" in listing
    reviewer = client_for(app, "zxqy-sh")
    review = reviewer.get(f"/review/items/{item_id}").get_data(as_text=True)
    assert re.search(
        r"延期 5 个工作日</strong>：办理时限由 [\d-]+ [\d:]+ 改为 <strong>[\d-]+", review
    )
    assert "申请人：中小企业局承办人" in review


def test_contact_only_for_the_own_department_and_logged(
    client_for: Callable[[Flask, str], FlaskClient], app: Flask, make_item, csrf
) -> None:  # type: ignore[no-untyped-def]
    item_id = make_item("WB-3", *SME, route_to="sme")
    handler = client_for(app, "zxqy")
    page = handler.get(f"/workbench/items/{item_id}").get_data(as_text=True)
    assert "13912345678" not in page and "139****5678" in page
    shown = handler.post(
        f"/workbench/items/{item_id}/contact",
        data={"csrf_token": csrf(handler), "purpose": "回访诉求人，核实情况"},
    ).get_data(as_text=True)
    assert "13912345678" in shown
    with app.app_context():
        events = (
            get_session()
            .scalars(select(Event).where(Event.item_id == item_id, Event.action == "查看联系方式"))
            .all()
        )
    assert len(events) == 1 and events[0].actor == "zxqy"
    assert "13912345678" not in handler.get("/ledger/?q=WB-3").get_data(as_text=True)
    other = client_for(app, "rjc")  # 软件处: not this item's 处室
    refused = other.post(
        f"/workbench/items/{item_id}/contact",
        data={"csrf_token": csrf(other), "purpose": "回访诉求人，核实情况"},
    )
    assert refused.status_code == 404


def test_review_shows_submitter_diff_and_edit_needs_another_reviewer(
    client_for: Callable[[Flask, str], FlaskClient],  # type: ignore[no-untyped-def]
    app: Flask,
    make_item,
    csrf,
    version,
) -> None:
    with app.app_context():
        session = get_session()
        sme = session.scalars(select(Department).where(Department.code == "sme")).one()
        session.add(
            User(
                username="zxqy-sh2",
                display_name="中小企业局副处长",
                password_hash=hash_password("huiying-demo"),
                role=Role.REVIEWER.value,
                department_id=sme.id,
            )
        )
        session.commit()
    item_id = make_item("WB-4", *SME, route_to="sme")
    handler, reviewer = client_for(app, "zxqy"), client_for(app, "zxqy-sh")

    def draft(text: str) -> None:
        handler.post(
            f"/workbench/items/{item_id}/draft",
            data={
                "csrf_token": csrf(handler),
                "version": version(item_id),
                "text": text,
                "action": "submit",
            },
        )

    draft("您好！申报将于五月启动。")
    reviewer.post(
        f"/review/items/{item_id}/return",
        data={"csrf_token": csrf(reviewer), "version": version(item_id), "comment": "时间有误"},
    )
    draft("您好！申报将于六月启动。")
    page = reviewer.get(f"/review/items/{item_id}").get_data(as_text=True)
    assert "提交人：<strong>中小企业局承办人</strong>" in page
    assert "<del>五</del><ins>六</ins>" in page

    reviewer.post(
        f"/review/items/{item_id}/edit",
        data={
            "csrf_token": csrf(reviewer),
            "version": version(item_id),
            "text": "您好！申报将于六月启动，详见厅网站通知。",
        },
    )
    refused = reviewer.post(
        f"/review/items/{item_id}/approve",
        data={"csrf_token": csrf(reviewer), "version": version(item_id)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "不能审核自己起草或修改过的答复" in refused
    assert _status(app, item_id) == ItemStatus.IN_REVIEW
    second = client_for(app, "zxqy-sh2")
    assert "答复经中小企业局审核人修改" in second.get("/notices/").get_data(as_text=True)
    second.post(
        f"/review/items/{item_id}/approve",
        data={"csrf_token": csrf(second), "version": version(item_id)},
    )
    assert _status(app, item_id) == ItemStatus.REPLIED
    with app.app_context():
        actions = get_session().scalars(select(Event.action).where(Event.item_id == item_id)).all()
    assert actions.count("审核修改答复") == 1 and actions.count("审核通过") == 1


def test_workbench_pages_fifty_rows_and_reads_only_what_it_shows(
    client_for: Callable[[Flask, str], FlaskClient], app: Flask, make_item, csrf, version
) -> None:  # type: ignore[no-untyped-def]
    ids = [make_item(f"WP-{n:02d}", f"{SME[0]}（{n}）", SME[1], route_to="sme") for n in range(52)]
    handler = client_for(app, "zxqy")
    handler.post(
        f"/workbench/items/{ids[0]}/draft",
        data={
            "csrf_token": csrf(handler),
            "version": version(ids[0]),
            "text": "您好！",
            "action": "save",
        },
    )
    first = handler.get("/workbench/").get_data(as_text=True)
    shown = re.findall(r'<a href="/workbench/items/(\d+)">', first)
    assert len(shown) == 50 and "第 1–50 条" in first and "/workbench/?page=2" in first
    assert "草稿" in first  # the reply's status, read without its text
    second = handler.get("/workbench/?page=2").get_data(as_text=True)
    rest = re.findall(r'<a href="/workbench/items/(\d+)">', second)
    assert len(rest) == 2 and not set(rest) & set(shown) and "上一页" in second
    assert sorted(map(int, shown + rest)) == sorted(ids)
    assert handler.get("/workbench/?page=0").status_code == 400
