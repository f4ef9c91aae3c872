"""分办 (triage) queue and actions: confirm, 转办, merge and undo, 回退, priority, bulk confirm."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ledger.intake.duplicates import likely_duplicates
from ledger.models import Department, Role, RoutingDecision
from ledger.queries import DB_INT_MAX, get_item
from ledger.workflow import triage
from ledger.workflow.guards import now_utc
from webapp.auth import current_staff
from webapp.database import get_session
from webapp.params import BadNumber, int_arg, parse_int
from webapp.roles import conflicted, form_version, perform, roles_required
from webapp.services import clock, report_back

bp = Blueprint("triage", __name__, url_prefix="/triage")
ROLES = (Role.TRIAGE, Role.ADMIN)


def _departments() -> list[Department]:
    return list(
        get_session().scalars(
            select(Department)
            .where(Department.active, Department.code != triage.NOT_OURS)
            .order_by(Department.id)
        )
    )


@bp.get("/")
@roles_required(*ROLES)
def queue():
    session = get_session()
    user = current_staff()
    items = triage.triage_queue(session, user)
    departments = _departments()
    return render_template(
        "triage/queue.html",
        items=items,
        total=triage.triage_count(session, user),
        not_ours=triage.NOT_OURS,
        duplicates=likely_duplicates(session, user, items),
        departments=departments,
        dept_codes={d.code for d in departments},
        dept_names={d.code: d.name for d in session.scalars(select(Department))},
        bulk_min=triage.BULK_MIN_CONFIDENCE,
    )


@bp.get("/items/<int:item_id>")
@roles_required(*ROLES)
def item(item_id: int):
    return _item_page(item_id)


def _item_page(item_id: int, kept: dict[str, str] | None = None, status: int = 200):
    """The item page; `kept` holds reasons the user typed when their step hit a version conflict."""
    session = get_session()
    user = current_staff()
    it = get_item(session, user, item_id)
    history = session.scalars(
        select(RoutingDecision).where(RoutingDecision.item_id == it.id).order_by(RoutingDecision.id)
    ).all()
    page = render_template(
        "triage/item.html",
        item=it,
        duplicates=likely_duplicates(session, user, [it]).get(it.id, []),
        departments=_departments(),
        dept_names={d.code: d.name for d in session.scalars(select(Department))},
        dept_by_id={d.id: d.name for d in session.scalars(select(Department))},
        history=history,
        priorities=triage.PRIORITIES,
        kept={k: v for k, v in (kept or {}).items() if v.strip()},
    )
    return page, status


def _back(item_id: int | None = None, kept: str | None = None):
    """Where a triage step returns to; after a version conflict with a typed reason (form field
    `kept`), the item page again with that reason kept, so it is not lost."""
    if kept and item_id is not None and conflicted() and request.form.get(kept, "").strip():
        return _item_page(item_id, {kept: request.form.get(kept, "")}, 409)
    if request.form.get("next") == "item" and item_id is not None:
        return redirect(url_for("triage.item", item_id=item_id))
    return redirect(url_for("triage.queue"))


@bp.post("/items/<int:item_id>/confirm")
@roles_required(*ROLES)
def confirm(item_id: int):
    code = request.form.get("department") or None
    perform(
        lambda: triage.confirm(
            get_session(),
            current_staff(),
            item_id,
            form_version(request.form.get("version")),
            now=now_utc(),
            department_code=code,
        ),
        "已分办。",
    )
    return _back()


@bp.post("/items/<int:item_id>/reroute")
@roles_required(*ROLES)
def reroute(item_id: int):
    perform(
        lambda: triage.reroute(
            get_session(),
            current_staff(),
            item_id,
            form_version(request.form.get("version")),
            request.form.get("department", ""),
            now=now_utc(),
            reason=request.form.get("reason", ""),
        ),
        "已转办。",
    )
    return _back(item_id, "reason")


@bp.post("/items/<int:item_id>/merge")
@roles_required(*ROLES)
def merge(item_id: int):
    target = int_arg("target", label="合并到的事项号", minimum=1, form=True)
    if target is None:
        flash("请填写要合并到的事项号。", "error")
        return _back(item_id)
    ok = perform(
        lambda: triage.merge(
            get_session(),
            current_staff(),
            item_id,
            form_version(request.form.get("version")),
            target,
            now=now_utc(),
        ),
        f"已合并到事项 #{target}（可在该事项页撤销合并）。",
    )
    return redirect(url_for("triage.item", item_id=item_id)) if ok else _back(item_id)


@bp.post("/items/<int:item_id>/unmerge")
@roles_required(*ROLES)
def unmerge(item_id: int):
    perform(
        lambda: triage.undo_merge(
            get_session(),
            current_staff(),
            item_id,
            form_version(request.form.get("version")),
            now=now_utc(),
        ),
        "已撤销合并。",
    )
    return redirect(url_for("triage.item", item_id=item_id))


@bp.post("/items/<int:item_id>/return")
@roles_required(*ROLES)
def return_item(item_id: int):
    perform(
        lambda: triage.return_not_ours(
            get_session(),
            current_staff(),
            item_id,
            form_version(request.form.get("version")),
            request.form.get("reason", ""),
            now=now_utc(),
            clock=clock(),
            report_back=report_back(),
        ),
        "已回退（非本厅职责）。",
    )
    return _back(item_id, "reason")


@bp.post("/items/<int:item_id>/priority")
@roles_required(*ROLES)
def priority(item_id: int):
    perform(
        lambda: triage.set_priority(
            get_session(),
            current_staff(),
            item_id,
            form_version(request.form.get("version")),
            request.form.get("priority", ""),
            now=now_utc(),
        ),
        "已设置优先级。",
    )
    return _back(item_id)


@bp.post("/bulk-confirm")
@roles_required(*ROLES)
def bulk_confirm():
    pairs: list[tuple[int, int | None]] = []
    for value in request.form.getlist("item"):
        raw_id, _, version = value.partition(":")
        item_id = parse_int(raw_id, minimum=1)
        if item_id is None:
            raise BadNumber(
                f"勾选的事项号应为 1 到 {DB_INT_MAX} 之间的整数，收到的是「{raw_id[:20]}」。"
                "请刷新页面后重试。"
            )
        pairs.append((item_id, form_version(version)))
    holder: dict[str, triage.BulkResult] = {}

    def step() -> None:
        holder["r"] = triage.bulk_confirm(get_session(), current_staff(), pairs, now=now_utc())

    if not pairs:
        flash("请先勾选要确认的事项。", "error")
    elif perform(step, "批量确认完成。"):
        result = holder["r"]
        flash(
            f"已确认 {len(result.done)} 条"
            + (f"，跳过 {len(result.skipped)} 条" if result.skipped else ""),
            "info",
        )
        for item_id, why in result.skipped:
            flash(f"事项 #{item_id} 未确认：{why}", "error")
    return redirect(url_for("triage.queue"))
