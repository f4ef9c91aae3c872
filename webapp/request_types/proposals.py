"""人大建议/政协提案 pages: registration (through manual entry), the list, the item page's own
actions (协办意见, 面商/沟通, 复文, 满意度, 非本单位), the 协办 处室's page, and the publishable
summary of 办理情况 (webapp.request_types.proposal_summary)."""

from __future__ import annotations

import secrets
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ledger.clock.deadlines import SHANGHAI
from ledger.clock.proposals import ProposalClockRules, load_proposal_clocks
from ledger.intake.manual.attachments import ALLOWED_ZH, Upload, attachment_dir
from ledger.intake.pipeline import IntakeContext
from ledger.intake.record_checks import IntakeError
from ledger.masking import mask_name
from ledger.models import (
    ContactForm,
    Department,
    Item,
    Proposal,
    ProposalCoHandler,
    ProposalKind,
    Role,
    Satisfaction,
)
from ledger.queries import visible_items
from ledger.workflow.guards import WorkflowError, now_utc
from ledger.workflow.proposals import steps as proposals
from ledger.workflow.proposals import summary as proposal_summary
from ledger.workflow.proposals.clocks import board_lines, clocks_of
from ledger.workflow.proposals.registration import ProposalEntry, register_proposal
from webapp.auth import current_staff
from webapp.database import get_session
from webapp.params import form_moment, int_arg, parse_int
from webapp.request_types import proposal_summary as proposal_summary_views
from webapp.request_types.entry import MAX_REQUEST, _settings, receipt_rules
from webapp.roles import form_version, perform, roles_required
from webapp.services import clock, data_dir

bp = Blueprint("proposals", __name__, url_prefix="/proposals")
OFFICE = proposals.OFFICE_ROLES
STAFF = (Role.TRIAGE, Role.ADMIN, Role.HANDLER, Role.REVIEWER, Role.SUPERVISOR)


class BadInput(WorkflowError):
    """A form field that cannot be read (a malformed date)."""


def clock_rules() -> ProposalClockRules:
    return load_proposal_clocks(data_dir() / "proposal_clocks.toml")


def _moment(name: str, label: str) -> datetime | None:
    return form_moment(name, lambda: BadInput(f"{label}格式不对（应为 年-月-日 时:分）"))


def _departments() -> list[Department]:
    return list(
        get_session().scalars(
            select(Department)
            .where(Department.active, Department.code != "not_ours")
            .order_by(Department.id)
        )
    )


# -- registration and list ------------------------------------------------------------------


def _form(values: dict[str, Any], cohandlers: list[str]) -> str:
    return render_template(
        "proposals/form.html",
        v=values,
        cohandlers=cohandlers,
        kinds=[k.value for k in ProposalKind],
        departments=_departments(),
        allowed=ALLOWED_ZH,
    )


@bp.get("/new")
@roles_required(*OFFICE)
def new():
    year = now_utc().astimezone(SHANGHAI).year
    return _form({"token": secrets.token_hex(16), "year": str(year), "kind": "人大建议"}, [])


@bp.post("/new")
@roles_required(*OFFICE)
def register():
    request.max_content_length = MAX_REQUEST
    values = {k: request.form.get(k, "") for k in request.form}
    chosen = request.form.getlist("cohandlers")
    session = get_session()
    try:
        year_raw = values.get("year", "").strip()
        if year_raw and not year_raw.isdigit():
            raise IntakeError(f"年度“{year_raw}”应为四位数字")
        entry = ProposalEntry(
            token=values.get("token", ""),
            kind=values.get("kind", ""),
            year=int(year_raw) if year_raw else None,
            batch=values.get("batch", ""),
            number=values.get("number", ""),
            proposer=values.get("proposer", ""),
            title=values.get("title", ""),
            body=values.get("body", ""),
            assigned_at=_moment("assigned_at", "交办时间"),
            lead=values.get("lead", ""),
            cohandlers=chosen,
            assigning_body=values.get("assigning_body", ""),
            uploads=[
                Upload(f.filename or "", f.read())
                for f in request.files.getlist("attachments")
                if f and f.filename
            ],
        )
        ctx = IntakeContext.load(session, _settings())
        result = register_proposal(
            session,
            current_staff(),
            entry,
            ctx,
            receipt_rules(),
            clock_rules(),
            clock(),
            now=now_utc(),
        )
    except (IntakeError, WorkflowError) as exc:
        session.rollback()
        flash(f"未登记：{exc}", "error")
        return _form(values, chosen)
    try:
        session.commit()
    except Exception:
        session.rollback()
        if result.outcome == "new":
            instance = Path(current_app.config["INSTANCE_DIR"])
            shutil.rmtree(attachment_dir(instance, result.item_id), ignore_errors=True)
        raise
    if result.outcome == "new":
        flash("建议提案已登记：主办答复、协办意见和非本单位办理说明的时限已按交办日计算。", "info")
    else:
        flash("这份表单已经登记过，没有重复登记。", "info")
    return redirect(url_for("ledger.item", item_id=result.item_id))


@bp.get("/")
@roles_required(*STAFF)
def index():
    session = get_session()
    user = current_staff()
    year = int_arg("year", label="年度", minimum=2000) or now_utc().astimezone(SHANGHAI).year
    stmt = (
        select(Proposal)
        .join(Item, Item.id == Proposal.item_id)
        .where(Proposal.year == year, Item.id.in_(visible_items(user).with_only_columns(Item.id)))
        .options(
            joinedload(Proposal.item),
            joinedload(Proposal.lead_department),
            selectinload(Proposal.cohandlers).joinedload(ProposalCoHandler.department),
        )
        .order_by(Proposal.kind, Proposal.batch, Proposal.number)
    )
    rows = list(session.scalars(stmt).unique())
    return render_template(
        "proposals/index.html",
        year=year,
        rows=rows,
        mask_name=mask_name,
        batches=proposal_summary.batches(session, year),
    )


# -- the item page's panel and the actions --------------------------------------------------


def panel(item: Item) -> Markup:
    """Rendered into the item page (ledger/item.html) for a 建议提案; empty for other types."""
    if item.item_type != proposals.ITEM_TYPE:
        return Markup("")
    session = get_session()
    proposal = proposals.proposal_of(session, item.id)
    if proposal is None:
        return Markup(render_template("proposals/_panel.html", item=item, proposal=None))
    now = now_utc()
    user = current_staff()
    lead = user.has_role(*OFFICE) or user.department_id == proposal.lead_department_id
    return Markup(
        render_template(
            "proposals/_panel.html",
            item=item,
            proposal=proposal,
            clocks=clocks_of(proposal, now),
            may_act=lead and user.has_role(*OFFICE, *proposals.LEAD_ROLES),
            may_reply=user.has_role(*proposals.LEAD_ROLES)
            and user.department_id == proposal.lead_department_id,
            forms=[f.value for f in ContactForm],
            verdicts=[s.value for s in Satisfaction],
            mask_name=mask_name,
            now_local=now.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
            allowed=ALLOWED_ZH,
        )
    )


def board() -> Markup:
    """The 建议提案 clocks on the 督办 board (协办意见, 非本单位办理说明)."""
    lines = board_lines(get_session(), current_staff(), now_utc())
    return Markup(render_template("proposals/_board.html", lines=lines))


def _back(item_id: int):
    return redirect(url_for("ledger.item", item_id=item_id) + "#proposal")


def _version() -> int | None:
    return form_version(request.form.get("version"))


@bp.post("/items/<int:item_id>/opinion")
@roles_required(*OFFICE, *proposals.LEAD_ROLES)
def opinion(item_id: int):
    department_id = parse_int(request.form.get("department_id") or "") or 0

    def step() -> None:
        proposals.record_opinion(
            get_session(),
            current_staff(),
            item_id,
            department_id,
            request.form.get("opinion", ""),
            _moment("opinion_at", "协办意见时间"),
            now=now_utc(),
        )

    perform(step, "协办意见已登记。")
    if request.form.get("from") == "cohandling":
        return redirect(url_for("proposals.cohandling"))
    return _back(item_id)


@bp.post("/items/<int:item_id>/contact")
@roles_required(*OFFICE, *proposals.LEAD_ROLES)
def contact(item_id: int):
    def step() -> None:
        proposals.record_contact(
            get_session(),
            current_staff(),
            item_id,
            _version(),
            at=_moment("contact_at", "沟通时间"),
            form=request.form.get("form", ""),
            participants=request.form.get("participants", ""),
            summary=request.form.get("summary", ""),
            now=now_utc(),
        )

    perform(step, "沟通记录已登记。")
    return _back(item_id)


@bp.post("/items/<int:item_id>/reply")
@roles_required(*proposals.LEAD_ROLES)
def reply(item_id: int):
    request.max_content_length = MAX_REQUEST
    submit_now = request.form.get("action") == "submit"
    written: list[Path] = []

    def step() -> None:
        written.extend(
            proposals.save_reply(
                get_session(),
                current_staff(),
                item_id,
                _version(),
                text=request.form.get("text", ""),
                uploads=[
                    Upload(f.filename or "", f.read())
                    for f in request.files.getlist("files")
                    if f and f.filename
                ],
                instance_dir=Path(current_app.config["INSTANCE_DIR"]),
                submit_now=submit_now,
                now=now_utc(),
            )
        )

    try:
        done = perform(step, "复文已提交审核。" if submit_now else "复文草稿已保存。")
    except IntakeError as exc:  # an attachment of the wrong type or size
        get_session().rollback()
        flash(f"未保存：{exc}", "error")
        done = False
    if not done:
        for path in written:
            path.unlink(missing_ok=True)
    return _back(item_id)


@bp.post("/items/<int:item_id>/satisfaction")
@roles_required(*OFFICE, *proposals.LEAD_ROLES)
def satisfaction(item_id: int):
    def step() -> None:
        proposals.record_satisfaction(
            get_session(),
            current_staff(),
            item_id,
            _version(),
            value=request.form.get("satisfaction", ""),
            at=_moment("feedback_at", "反馈时间"),
            note=request.form.get("note", ""),
            clocks=clock_rules(),
            clock=clock(),
            now=now_utc(),
        )

    perform(step, "满意度已登记。")
    return _back(item_id)


@bp.post("/items/<int:item_id>/not-ours")
@roles_required(*OFFICE, *proposals.LEAD_ROLES)
def not_ours(item_id: int):
    def step() -> None:
        proposals.report_not_ours(
            get_session(),
            current_staff(),
            item_id,
            _version(),
            reason=request.form.get("reason", ""),
            at=_moment("reported_at", "说明时间"),
            now=now_utc(),
        )

    perform(step, "已登记：非本单位办理，退回交办机关。")
    return _back(item_id)


# -- the 协办 处室's page ---------------------------------------------------------------------


@bp.get("/cohandling")
@roles_required(*proposals.LEAD_ROLES)
def cohandling():
    """The proposals this 处室 co-handles: what was asked, by when, and the opinion form. The
    协办 处室 does not see the item itself (it is the 主办's), only this."""
    user = current_staff()
    shares = list(
        get_session().scalars(
            select(ProposalCoHandler)
            .where(ProposalCoHandler.department_id == user.department_id)
            .options(
                joinedload(ProposalCoHandler.proposal).joinedload(Proposal.item),
                joinedload(ProposalCoHandler.proposal).joinedload(Proposal.lead_department),
            )
            .order_by(ProposalCoHandler.opinion_at.is_not(None), ProposalCoHandler.due_at)
        )
    )
    return render_template(
        "proposals/cohandling.html",
        shares=shares,
        now=now_utc(),
        now_local=now_utc().astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(proposal_summary_views.bp)
    app.jinja_env.globals["proposal_panel"] = panel
    app.jinja_env.globals["proposal_board"] = board
