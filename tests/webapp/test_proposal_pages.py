"""建议提案 pages through the real Flask app: refusals that save nothing, who may do what, the 协办
处室's own page, the 督办 board, the Excel columns and the summary downloads."""

from __future__ import annotations

from io import BytesIO

from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import func, select

from ledger.models import Item, Proposal, ProposalCoHandler
from webapp.database import get_session

FORM = {
    "kind": "人大建议",
    "year": "2026",
    "batch": "第一批",
    "number": "0102",
    "assigned_at": "2026-09-28T09:00",
    "proposer": "李文华",
    "title": "关于支持化工园区安全改造的建议",
    "body": "李文华代表建议加大化工园区安全改造投入。",
    "lead": "chemical",
    "cohandlers": ["safety", "sme"],
}


def _count(app: Flask) -> tuple[int, int]:
    with app.app_context():
        session = get_session()
        return (
            session.scalar(select(func.count(Item.id))) or 0,
            session.scalar(select(func.count(Proposal.id))) or 0,
        )


def _register(app, client, csrf, **changes):  # type: ignore[no-untyped-def]
    token = csrf(client, "/proposals/new")
    html = client.get("/proposals/new").get_data(as_text=True)
    marker = 'name="token" value="'
    start = html.index(marker) + len(marker)
    form = {**FORM, "csrf_token": token, "token": html[start : html.index('"', start)]}
    form.update(changes)
    return client.post("/proposals/new", data=form)


def test_refusals_save_nothing(app: Flask, client_for, csrf) -> None:  # type: ignore[no-untyped-def]
    office = client_for(app, "fenban")
    before = _count(app)
    page = _register(app, office, csrf, lead="").get_data(as_text=True)
    assert "未登记：请填写：主办处室" in page
    assert 'value="0102"' in page  # what was typed comes back
    page = _register(app, office, csrf, assigned_at="28/09/2026").get_data(as_text=True)
    assert "交办时间格式不对" in page
    page = _register(app, office, csrf, cohandlers=["chemical"]).get_data(as_text=True)
    assert "化工专项行动办已是主办处室，不能同时协办" in page
    assert _count(app) == before
    # nor through the general entry form, which does not offer the type
    general = office.get("/entry/").get_data(as_text=True)
    assert 'value="proposal"' not in general
    page = office.post(
        "/entry/",
        data={
            "csrf_token": csrf(office, "/entry/"),
            "token": "abc123",
            "item_type": "人大建议",
            "channel": "上级交办",
            "received_at": "2026-09-28T09:00",
            "title": "关于某事的建议",
            "body": "内容",
        },
    ).get_data(as_text=True)
    assert "请用“建议提案登记”表单" in page
    assert _count(app) == before
    # a 处室 user may not register proposals at all
    assert client_for(app, "hgb").get("/proposals/new").status_code == 403


def test_cohandler_page_board_export_and_summary(app: Flask, client_for, csrf) -> None:  # type: ignore[no-untyped-def]
    office = client_for(app, "fenban")
    response = _register(app, office, csrf)
    assert response.status_code == 302
    item_url = response.headers["Location"]
    item_id = int(item_url.rsplit("/", 1)[1])
    page = office.get(item_url).get_data(as_text=True)
    assert "协办意见（安全生产处）" in page and "协办意见（中小企业局）" in page
    assert "李**" in page

    # the list shows the representative masked
    listing = office.get("/proposals/?year=2026").get_data(as_text=True)
    assert "李**" in listing and "李文华" not in listing

    # the 协办 处室 (中小企业局) sees its 协办 page, not the item, and answers from there
    sme = client_for(app, "zxqy")
    assert sme.get(item_url).status_code == 404
    assert "关于支持化工园区安全改造的建议" in sme.get("/proposals/cohandling").get_data(
        as_text=True
    )
    with app.app_context():
        session = get_session()
        share = session.scalars(
            select(ProposalCoHandler).join(Proposal).where(Proposal.item_id == item_id)
        ).all()
        sme_share = next(s for s in share if s.department.code == "sme")
        dept_id = sme_share.department_id
    token = csrf(sme, "/proposals/cohandling")
    done = sme.post(
        f"/proposals/items/{item_id}/opinion",
        data={
            "csrf_token": token,
            "department_id": str(dept_id),
            "opinion_at": "2026-10-09T10:00",
            "opinion": "中小企业局无补充意见",
            "from": "cohandling",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "协办意见已登记" in done
    # a 处室 with no part in it is refused, and nothing changes
    software = client_for(app, "rjc")
    refused = software.post(
        f"/proposals/items/{item_id}/opinion",
        data={
            "csrf_token": csrf(software, "/proposals/cohandling"),
            "department_id": str(dept_id),
            "opinion": "冒名意见",
            "opinion_at": "2026-10-09T11:00",
        },
        follow_redirects=True,
    )
    assert refused.status_code == 404  # to a 处室 with no part in it the item is not there
    with app.app_context():
        opinion = get_session().get(ProposalCoHandler, sme_share.id)
        assert opinion is not None and opinion.opinion == "中小企业局无补充意见"

    # 督办 board: the 安全生产处 opinion is still missing (due 2026-10-28)
    board = client_for(app, "duban").get("/supervision/").get_data(as_text=True)
    assert "建议提案分项时限" in board and "安全生产处" in board

    # the Excel 台账 has the type's columns, the representative masked
    workbook = load_workbook(BytesIO(office.get("/ledger/export.xlsx").data))
    rows = list(workbook.active.iter_rows(values_only=True))
    header = list(rows[0])
    row = next(r for r in rows[1:] if r[header.index("建议提案编号")] == "0102")
    assert row[header.index("代表委员")] == "李**"
    assert row[header.index("协办处室")] == "安全生产处、中小企业局"
    assert row[header.index("协办意见")] == "已收 1/2"

    # nothing answered yet: the summary says so and offers no publishing
    summary = office.get("/proposals/summary?year=2026").get_data(as_text=True)
    assert "没有已答复的建议提案" in summary and "标记为已发布" not in summary
    word = office.get("/proposals/summary.docx?year=2026")
    assert word.data[:2] == b"PK" and "filename*=UTF-8''" in word.headers["Content-Disposition"]
    assert office.get("/proposals/summary.pdf?year=2026").status_code == 404
