"""分办 (triage) queue and actions: confirm, 转办, merge and undo, 回退, priority, bulk confirm."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from sqlalchemy import select

from ledger.intake.duplicates import likely_duplicates
from ledger.models import Department, Item, Role, RoutingDecision
from ledger.queries import DB_INT_MAX, get_item
from ledger.workflow import triage, triage_queue
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


PAGE_SIZE = 50


class DepartmentOptions(dict[str, Markup]):
    """The `<option>`s of a queue row's 处室 select by the pre-selected code: the ~20 options are
    the same on every row but for the selected one, so each list is made once per page."""

    def __init__(self, departments: list[Department]) -> None:
        super().__init__()
        self._departments = [(str(escape(d.code)), str(escape(d.name))) for d in departments]
        self._codes = {d.code for d in departments}

    def __missing__(self, preset: str) -> Markup:
        head = "" if preset in self._codes else '<option value="">— 选择处室 —</option>'
        chosen = str(escape(preset))
        options = "".join(
            f'<option value="{code}"{" selected" if code == chosen else ""}>{name}</option>'
            for code, name in self._departments
        )
        self[preset] = Markup(head + options)  # escaped above (string formatting, not Markup's)
        return self[preset]


def _tab() -> str:
    tab = request.values.get("tab", "new")
    return tab if tab in triage_queue.TABS else "new"


@bp.get("/")
@roles_required(*ROLES)
def queue():
    session = get_session()
    user = current_staff()
    tab = _tab()
    counts = triage_queue.tab_counts(session, user)
    page = int_arg("page", 1, label="页码", minimum=1, maximum=1_000_000) or 1
    items = triage_queue.queue_page(
        session, user, tab, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    departments = _departments()
    return render_template(
        "triage/queue.html",
        items=items,
        tab=tab,
        tabs=triage_queue.TABS,
        counts=counts,
        total=counts[tab],
        page=page,
        pages=max((counts[tab] + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        not_ours=triage.NOT_OURS,
        duplicates=likely_duplicates(session, user, items),
        sent_back=triage_queue.sent_back(session, items),
        department_options=DepartmentOptions(departments),
        dept_names={d.code: d.name for d in session.scalars(select(Department))},
        bulk_min=triage.BULK_MIN_CONFIDENCE,
        return_reasons=triage_queue.RETURN_REASONS,
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
    merge_q = request.args.get("merge_q", "").strip()[:100]
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
        sent_back=triage_queue.sent_back(session, [it]).get(it.id),
        merge_q=merge_q,
        merge_targets=triage_queue.merge_targets(session, user, it, merge_q),
        return_reasons=triage_queue.RETURN_REASONS,
        tab=_tab(),
    )
    return page, status


def _back(item_id: int | None = None, kept: str | None = None):
    """Where a triage step returns to; after a version conflict with a typed reason (form field
    `kept`), the item page again with that reason kept, so it is not lost."""
    if kept and item_id is not None and conflicted() and request.form.get(kept, "").strip():
        return _item_page(item_id, {kept: request.form.get(kept, "")}, 409)
    if request.form.get("next") == "item" and item_id is not None:
        return redirect(url_for("triage.item", item_id=item_id, tab=_tab()))
    return redirect(url_for("triage.queue", tab=_tab()))


@bp.post("/items/<int:item_id>/confirm")
@roles_required(*ROLES)
def confirm(item_id: int):
    code = request.form.get("department") or None
    holder: dict[str, Item] = {}

    def step() -> None:
        holder["item"] = triage.confirm(
            get_session(),
            current_staff(),
            item_id,
            form_version(request.form.get("version")),
            now=now_utc(),
            department_code=code,
        )

    ok = perform(step, "已分办。")
    if ok and request.form.get("next") == "next":  # 确认并下一条
        done = holder["item"]
        following = triage_queue.next_in_queue(get_session(), current_staff(), _tab(), done)
        if following is not None:
            flash(
                f"{done.external_id} 已分办到{done.department.name if done.department else ''}。",
                "info",
            )
            return redirect(url_for("triage.item", item_id=following.id, tab=_tab()))
        flash("队列中已没有待分办的事项。", "info")
        return redirect(url_for("triage.queue", tab=_tab()))
    if not ok and request.form.get("next") == "next":
        return redirect(url_for("triage.item", item_id=item_id, tab=_tab()))
    return _back(item_id)


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
    target = int_arg("target", label="要合并到的事项", minimum=1, form=True)
    if target is None:
        flash("请先按编号或标题查找，再选择要合并到的事项。", "error")
        return _back(item_id)
    holder: dict[str, Item] = {}

    def step() -> None:
        merged = triage.merge(
            get_session(),
            current_staff(),
            item_id,
            form_version(request.form.get("version")),
            target,
            now=now_utc(),
        )
        holder["to"] = merged.duplicate_of  # type: ignore[assignment]

    ok = perform(step, "已合并（可在该事项页撤销合并）。")
    if ok and holder.get("to") is not None:
        flash(f"已合并到 {holder['to'].external_id}。", "info")
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
    pairs = _checked_items()
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
        _flash_skipped(result, "未确认")
    return redirect(url_for("triage.queue", tab=_tab()))


def _flash_skipped(result: triage.BulkResult, what: str) -> None:
    ext = dict(
        get_session()
        .execute(
            select(Item.id, Item.external_id).where(Item.id.in_([i for i, _ in result.skipped]))
        )
        .all()
    )
    for item_id, why in result.skipped:
        flash(f"{ext.get(item_id, item_id)} {what}：{why}", "error")


def _checked_items() -> list[tuple[int, int | None]]:
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
    return pairs


@bp.post("/bulk-return")
@roles_required(*ROLES)
def bulk_return():
    pairs = _checked_items()
    reason = (request.form.get("custom_reason") or request.form.get("reason") or "").strip()
    holder: dict[str, triage.BulkResult] = {}

    def step() -> None:
        holder["r"] = triage_queue.bulk_return(
            get_session(),
            current_staff(),
            pairs,
            reason,
            now=now_utc(),
            clock=clock(),
            report_back=report_back(),
        )

    if not pairs:
        flash("请先勾选要回退的事项。", "error")
    elif perform(step, "批量回退完成。"):
        result = holder["r"]
        flash(
            f"已回退 {len(result.done)} 条"
            + (f"，跳过 {len(result.skipped)} 条" if result.skipped else ""),
            "info",
        )
        _flash_skipped(result, "未回退")
    return redirect(url_for("triage.queue", tab="not_ours"))
