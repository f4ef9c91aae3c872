"""依申请公开 pages: the actions on an application's item page (补正, 补正材料, 征求意见/会商, 延期,
答复, 归档), its notices as Word files (each download audited: they carry the applicant's name and
address), and the annual statistics table with its Excel export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Flask, Response, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from ledger.audit import record_event
from ledger.clock.deadlines import SHANGHAI
from ledger.intake.record_checks import IntakeError
from ledger.models import Item, ItemStatus, Role
from ledger.queries import get_item
from ledger.workflow.disclosure import consultations as consult
from ledger.workflow.disclosure import requests as foi
from ledger.workflow.disclosure.annual import annual_table, annual_workbook_bytes
from ledger.workflow.disclosure.catalogue import DisclosureCatalogue, load_catalogue
from ledger.workflow.disclosure.notices import (
    KINDS,
    NoticeBook,
    available,
    load_notice_book,
    render_notice,
)
from ledger.workflow.guards import WorkflowError, now_utc, require_role
from webapp.auth import current_staff
from webapp.database import bookkeeping_session, get_session
from webapp.params import form_moment, int_arg, parse_int
from webapp.roles import form_version, perform, roles_required
from webapp.services import clock, data_dir

bp = Blueprint("foi", __name__, url_prefix="/foi")
ROLES = foi.ROLES
REPORT_ROLES = (Role.TRIAGE, Role.SUPERVISOR, Role.ANALYST, Role.ADMIN, Role.REVIEWER, Role.HANDLER)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def catalogue() -> DisclosureCatalogue:
    return load_catalogue(data_dir() / "disclosure_requests.toml")


def notice_book() -> NoticeBook:
    return load_notice_book(data_dir() / "disclosure_notices.toml")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_expire_on_read)
    app.context_processor(lambda: {"foi_panel": foi_panel, "foi_applicant_types": _types})


def _types() -> tuple[str, ...]:
    return catalogue().applicant_types


def _expire_on_read() -> None:
    """Opening an application in 补正中 past its date records 视为撤回 first (then the page shows it)."""
    if request.endpoint != "ledger.item" or request.view_args is None:
        return
    item_id = request.view_args.get("item_id")
    if not isinstance(item_id, int):
        return
    # Read first: only an application waiting for 补正 needs the (write) check.
    waiting = get_session().scalar(
        select(Item.id).where(Item.id == item_id, Item.status == ItemStatus.CORRECTING)
    )
    if waiting is not None:
        with bookkeeping_session() as writer:
            foi.expire_corrections(writer, now_utc(), item_id=item_id)
        get_session().rollback()  # end the read snapshot taken above: the page must see the change


# -- entry form -----------------------------------------------------------------------------


def applicant_from_form(form: Any) -> dict[str, str] | None:
    """The applicant fields of the entry form for a 依申请公开 item (checked before anything is
    saved), else None."""
    if form.get("item_type") != foi.ITEM_TYPE:
        return None
    try:
        kind = catalogue().check_applicant_type(form.get("applicant_type", ""))
    except WorkflowError as exc:
        raise IntakeError(str(exc)) from None
    return {
        "applicant_type": kind,
        "name": form.get("author", ""),
        "address": form.get("applicant_address", ""),
    }


def register_applicant(item_id: int, applicant: dict[str, str]) -> None:
    session = get_session()
    item = session.get(Item, item_id)
    assert item is not None
    foi.register_application(
        session,
        current_staff(),
        item,
        catalogue(),
        applicant_type=applicant["applicant_type"],
        name=applicant["name"],
        address=applicant["address"],
        now=now_utc(),
    )


# -- the item page's panel ------------------------------------------------------------------


def foi_panel(item: Item) -> dict[str, Any]:
    session = get_session()
    req = foi.request_of(session, item)
    rule = clock().rules.get(item.item_type)
    used = sum(a.amount or 0 for a in item.clock_adjustments if a.kind == "extend")
    return {
        "req": req,
        "catalogue": catalogue(),
        "notices": available(item, req) if req else [],
        "notice_names": {k: t.name for k, t in notice_book().templates.items()},
        "consult_kinds": foi.CONSULT_KINDS,
        "extension_left": rule.extension_max - used,
        "can_act": current_staff().has_role(*ROLES) and item.status != ItemStatus.ARCHIVED,
        "handling": item.status in foi.HANDLING,
        "status": item.status,
        "S": ItemStatus,
    }


# -- actions --------------------------------------------------------------------------------


def _moment(name: str) -> datetime | None:
    return form_moment(
        name, lambda: WorkflowError("日期时间格式不对（应为 年-月-日 时:分），未保存。")
    )


def _day(name: str) -> date | None:
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise WorkflowError("日期格式不对（应为 年-月-日），未保存。") from None


def _act(item_id: int, step: Callable[[int | None, Any], object], success: str) -> Any:
    version = form_version(request.form.get("version"))
    f = request.form
    perform(lambda: step(version, f), success)
    return redirect(url_for("ledger.item", item_id=item_id) + "#foi")


@bp.post("/items/<int:item_id>/correction")
@roles_required(*ROLES)
def correction(item_id: int):
    return _act(
        item_id,
        lambda v, f: foi.issue_correction(
            get_session(),
            current_staff(),
            item_id,
            v,
            issued_at=_moment("issued_at"),
            to_complete=f.get("to_complete", ""),
            answer_by=_day("answer_by"),
            now=now_utc(),
            clock=clock(),
        ),
        "已记录补正告知，计时暂停；可下载补正告知书。",
    )


@bp.post("/items/<int:item_id>/completion")
@roles_required(*ROLES)
def completion(item_id: int):
    return _act(
        item_id,
        lambda v, f: foi.record_completion(
            get_session(),
            current_staff(),
            item_id,
            v,
            received_at=_moment("received_at"),
            note=f.get("note", ""),
            now=now_utc(),
            clock=clock(),
        ),
        "已记录补正材料，答复期限自收到补正之日重新起算。",
    )


@bp.post("/items/<int:item_id>/consultation")
@roles_required(*ROLES)
def consultation(item_id: int):
    return _act(
        item_id,
        lambda v, f: consult.start_consultation(
            get_session(),
            current_staff(),
            item_id,
            v,
            kind=f.get("kind", ""),
            party=f.get("party", ""),
            asked_at=_moment("asked_at"),
            opinion=f.get("opinion", ""),
            now=now_utc(),
            clock=clock(),
        ),
        "已记录。",
    )


@bp.post("/items/<int:item_id>/opinion")
@roles_required(*ROLES)
def opinion(item_id: int):
    return _act(
        item_id,
        lambda v, f: consult.record_opinion(
            get_session(),
            current_staff(),
            item_id,
            v,
            opinion=f.get("opinion", ""),
            opinion_at=_moment("opinion_at"),
            now=now_utc(),
            clock=clock(),
        ),
        "已记录第三方意见，恢复计时。",
    )


@bp.post("/items/<int:item_id>/extension")
@roles_required(*ROLES)
def extension(item_id: int):
    return _act(
        item_id,
        lambda v, f: consult.extend(
            get_session(),
            current_staff(),
            item_id,
            v,
            days=parse_int(f.get("days", ""), minimum=1),
            reason=f.get("reason", ""),
            approved_by=f.get("approved_by", ""),
            approved_at=_moment("approved_at"),
            now=now_utc(),
            clock=clock(),
        ),
        "已延期；可下载延期答复告知书。",
    )


@bp.post("/items/<int:item_id>/reply")
@roles_required(*ROLES)
def reply(item_id: int):
    return _act(
        item_id,
        lambda v, f: foi.reply(
            get_session(),
            current_staff(),
            item_id,
            v,
            catalogue(),
            reply_type=f.get("reply_type", ""),
            ground=f.get("ground", ""),
            body=f.get("body", ""),
            text=f.get("text", ""),
            replied_at=_moment("replied_at"),
            now=now_utc(),
        ),
        "已答复；可下载答复告知书。",
    )


@bp.post("/items/<int:item_id>/archive")
@roles_required(*ROLES)
def archive(item_id: int):
    return _act(
        item_id,
        lambda v, f: foi.archive(
            get_session(),
            current_staff(),
            item_id,
            v,
            archive_no=f.get("archive_no", ""),
            archived_on=_day("archived_on"),
            now=now_utc(),
        ),
        "已归档，此后只读。",
    )


@bp.get("/items/<int:item_id>/notices/<kind>.docx")
@roles_required(*ROLES)
def notice(item_id: int, kind: str):
    """The notice for the applicant, with their name and address: the download is audited."""
    if kind not in KINDS:
        abort(404)
    session = get_session()
    user = current_staff()
    item = get_item(session, user, item_id)  # not visible → 404
    req = foi.request_of(session, item)
    if req is None or kind not in available(item, req):
        abort(404)
    book = notice_book()
    try:
        require_role(user, ROLES, "下载告知书")
        data = render_notice(book, kind, item, req)
    except WorkflowError as exc:
        abort(400, description=str(exc))
    name = book.templates[kind].name
    with bookkeeping_session() as writer:
        logged = writer.get(Item, item.id)
        record_event(
            writer,
            logged,
            user,
            "下载告知书",
            after={"文书": name, "含申请人姓名地址": True},
            at=now_utc(),
        )
    filename = f"{item.external_id}-{name}.docx"
    return Response(
        data,
        mimetype=DOCX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(filename)}"},
    )


# -- annual statistics ----------------------------------------------------------------------


@bp.get("/annual")
@roles_required(*REPORT_ROLES)
def annual():
    year = int_arg(
        "year", now_utc().astimezone(SHANGHAI).year, label="年份", minimum=2008, maximum=2100
    )
    table = annual_table(get_session(), current_staff(), catalogue(), year or 0)
    return render_template("foi/annual.html", table=table)


@bp.get("/annual/<int:year>.xlsx")
@roles_required(*REPORT_ROLES)
def annual_export(year: int):
    if not 2008 <= year <= 2100:
        abort(404)
    table = annual_table(get_session(), current_staff(), catalogue(), year)
    name = f"依申请公开年度统计-{year}.xlsx"
    return Response(
        annual_workbook_bytes(table),
        mimetype=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(name)}"},
    )


def _quote(name: str) -> str:
    return quote(name)
