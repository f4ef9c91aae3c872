"""The HTML systems: the message board (UTF-8, ?page=N), the leaders' mailbox (GBK, list rows as
CDATA XML in <script type="text/xml">, index_N.html) and a city bureau's 咨询投诉 table (index_N.html,
next links) that no source file configures by default."""

from __future__ import annotations

import math

from flask import Blueprint, Response, abort, current_app, render_template, request

from demoportal.state import PortalState

bp = Blueprint("pages", __name__)

BOARD_PER_PAGE = 20
MAILBOX_PER_PAGE = 25
CITY_PER_PAGE = 15


def _state() -> PortalState:
    return current_app.config["PORTAL_STATE"]


def paragraphs(text: str) -> list[str]:
    """Split a body in two paragraphs the way editors do, with the customary full-width indent."""
    sentences = [s + "。" for s in text.split("。") if s.strip()]
    if not text.endswith("。") and sentences:
        sentences[-1] = sentences[-1][:-1]
    half = max(1, len(sentences) // 2)
    parts = ["".join(sentences[:half]), "".join(sentences[half:])]
    return ["\u3000\u3000" + p for p in parts if p]


def _page(rows: list, page: int, per_page: int) -> tuple[list, int]:
    pages = max(1, math.ceil(len(rows) / per_page))
    return rows[(page - 1) * per_page : page * per_page], pages


def _gbk(html: str) -> Response:
    return Response(html.encode("gbk", errors="replace"), content_type="text/html; charset=GBK")


@bp.get("/robots.txt")
def robots() -> Response:
    body = "User-agent: *\nDisallow: /admin/\nDisallow: /board/search\n"
    return Response(body, content_type="text/plain; charset=utf-8")


@bp.get("/")
def home() -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>演示门户</title></head><body>"
        "<ul><li><a href='/board/list'>网上留言</a></li><li><a href='/mailbox/index.html'>厅长信箱</a>"
        "</li><li>12345 工单接口：/api/12345/orders</li>"
        "<li><a href='/city/zxts/index.html'>市局咨询投诉</a></li></ul></body></html>"
    )


@bp.get("/board/list")
def board_list() -> str:
    state = _state()
    page = request.args.get("page", 1, type=int) or 1
    visible = state.visible("board")
    rows, pages = _page(visible, page, BOARD_PER_PAGE)
    return render_template(
        "board_list.html", rows=rows, page=page, pages=pages, total=len(visible), now=state.now()
    )


@bp.get("/board/thread/<ext_id>.html")
def board_thread(ext_id: str) -> str:
    state = _state()
    message = state.find("board", ext_id) or abort(404)
    now = state.now()
    return render_template(
        "board_thread.html", m=message, replied=message.replied(now), paras=paragraphs(message.body)
    )


def _mailbox_url(page: int) -> str:
    return "/mailbox/index.html" if page == 1 else f"/mailbox/index_{page}.html"


@bp.get("/mailbox/index.html", defaults={"page": 1})
@bp.get("/mailbox/index_<int:page>.html")
def mailbox_list(page: int) -> Response:
    state = _state()
    visible = state.visible("mailbox")
    rows, pages = _page(visible, page, MAILBOX_PER_PAGE)
    html = render_template(
        "mailbox_list.html",
        rows=rows,
        page=page,
        pages=pages,
        total=len(visible),
        per_page=MAILBOX_PER_PAGE,
        now=state.now(),
        page_url=_mailbox_url,
        unit_id="div20417",
    )
    return _gbk(html)


@bp.get("/mailbox/art/<ext_id>.html")
def mailbox_letter(ext_id: str) -> Response:
    state = _state()
    message = state.find("mailbox", ext_id) or abort(404)
    html = render_template(
        "mailbox_letter.html",
        m=message,
        replied=message.replied(state.now()),
        paras=paragraphs(message.body),
    )
    return _gbk(html)


def _city_url(page: int) -> str:
    return "/city/zxts/index.html" if page == 1 else f"/city/zxts/index_{page}.html"


@bp.get("/city/zxts/index.html", defaults={"page": 1})
@bp.get("/city/zxts/index_<int:page>.html")
def city_list(page: int) -> str:
    state = _state()
    rows, pages = _page(state.visible("city"), page, CITY_PER_PAGE)
    return render_template(
        "city_list.html", rows=rows, page=page, pages=pages, now=state.now(), page_url=_city_url
    )


@bp.get("/city/zxts/<ext_id>.html")
def city_detail(ext_id: str) -> str:
    state = _state()
    message = state.find("city", ext_id) or abort(404)
    return render_template(
        "city_detail.html",
        m=message,
        replied=message.replied(state.now()),
        paras=paragraphs(message.body),
    )
