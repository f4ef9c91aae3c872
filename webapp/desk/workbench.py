"""处室 workbench (承办): my items by deadline; draft from a template, submit for review; ask for an
extension or a pause; resume; send a mis-routed item back to triage."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select

from ledger.clock.rules import UNIT_ZH
from ledger.models import Event, Role
from ledger.queries import get_item
from ledger.workflow import contact, handling
from ledger.workflow.guards import now_utc
from ledger.workflow.item_clock import deadline_if_extended
from ledger.workflow.reply_templates import placeholders, templates_for
from webapp.auth import current_staff
from webapp.database import get_session
from webapp.display import local_time
from webapp.params import int_arg
from webapp.roles import conflicted, form_version, perform, roles_required
from webapp.services import clock, reply_templates

bp = Blueprint("workbench", __name__, url_prefix="/workbench")
ROLES = (Role.HANDLER, Role.REVIEWER)
PAGE_SIZE = 50


@bp.get("/")
@roles_required(*ROLES)
def index():
    page = int_arg("page", label="页码", minimum=1, maximum=1_000_000) or 1
    offset = (page - 1) * PAGE_SIZE
    # one row more than the page: whether there is a next page, without counting them all
    items = handling.my_items(get_session(), current_staff(), PAGE_SIZE + 1, offset)
    return render_template(
        "workbench/index.html",
        items=items[:PAGE_SIZE],
        page=page,
        first=offset + 1,
        more=len(items) > PAGE_SIZE,
        staff_reply=handling.staff_reply,
        pending=handling.pending_adjustments,
    )


@bp.get("/items/<int:item_id>")
@roles_required(*ROLES)
def item(item_id: int):
    return _item_page(item_id)


def _item_page(
    item_id: int,
    kept: dict[str, str] | None = None,
    status: int = 200,
    contacts: list[str] | None = None,
):
    """The item page; `kept` holds what the user typed when their save hit a version conflict;
    `contacts` the numbers a handler just asked to see (logged)."""
    session = get_session()
    it = get_item(session, current_staff(), item_id)
    templates = templates_for(reply_templates(), it.item_type)
    reply = handling.staff_reply(it)
    chosen = int_arg("template", label="答复模板")
    text = reply.text if reply else ""
    if chosen is not None and 0 <= chosen < len(templates):
        # without JavaScript: the template goes after the saved draft, never instead of it
        rendered = templates[chosen].render(it)
        text = f"{text.rstrip()}\n\n{rendered}" if text.strip() else rendered
    kept = {k: v for k, v in (kept or {}).items() if v.strip()}
    if "text" in kept:
        text = kept["text"]  # the box holds what they typed; the saved version is shown beside it
    rule = clock().rules.get(it.item_type)
    events = session.scalars(
        select(Event).where(Event.item_id == it.id).order_by(Event.id.desc()).limit(8)
    ).all()
    page = render_template(
        "workbench/item.html",
        item=it,
        reply=reply,
        text=text,
        kept=kept,
        templates=templates,
        chosen=chosen,
        rule=rule,
        pending=handling.pending_adjustments(it),
        pending_due={
            a.id: deadline_if_extended(it, clock().rules, clock().calendar, a.amount or 0, a.at)
            for a in handling.pending_adjustments(it)
            if a.kind == "extend" and a.amount
        },
        previews=_previews(it, rule.extension_max),
        unit=UNIT_ZH.get(rule.unit, rule.unit),
        pause_kinds=handling.PAUSE_KINDS,
        events=events,
        hints=sorted(placeholders(templates)),
        contacts=contacts,
        purposes=contact.PURPOSES,
        can_see_contact=current_staff().department_id == it.department_id,
    )
    return page, status


def _previews(item, maximum: int) -> dict[int, str]:
    """amount → the due date if that extension were approved now (the form's live preview)."""
    now, rules = now_utc(), clock()  # once: clock() checks the rule files' times on each call
    out = {}
    for amount in range(1, min(maximum, 60) + 1):
        due = deadline_if_extended(item, rules.rules, rules.calendar, amount, now).due_at
        out[amount] = local_time(due)
    return out


def _after(item_id: int, field: str, key: str | None = None):
    """After a failed step: on a version conflict show the page again with the typed `field`
    kept under `key` (409), so nothing the user wrote is lost; otherwise back to the item page."""
    if conflicted() and request.form.get(field, "").strip():
        return _item_page(item_id, {key or field: request.form.get(field, "")}, 409)
    return redirect(url_for("workbench.item", item_id=item_id))


def _version() -> int | None:
    return form_version(request.form.get("version"))


@bp.post("/items/<int:item_id>/draft")
@roles_required(*ROLES)
def draft(item_id: int):
    session, user, text = get_session(), current_staff(), request.form.get("text", "")
    holder: dict[str, int] = {}

    def save() -> None:
        reply = handling.save_draft(session, user, item_id, _version(), text, now=now_utc())
        holder["version"] = reply.item.version

    ok = perform(save, "草稿已保存。")
    if ok and request.form.get("action") == "submit":
        # the draft is committed first: a refused submit (e.g. a template hint left in the
        # text) keeps what was written
        hints = placeholders(reply_templates())
        perform(
            lambda: handling.submit(
                session, user, item_id, holder["version"], now=now_utc(), placeholders=hints
            ),
            "答复已提交审核。",
        )
    return redirect(url_for("workbench.item", item_id=item_id)) if ok else _after(item_id, "text")


@bp.post("/items/<int:item_id>/contact")
@roles_required(*ROLES)
def show_contact(item_id: int):
    holder: dict[str, list[str]] = {}

    def step() -> None:
        holder["numbers"] = contact.reveal_contact(
            get_session(),
            current_staff(),
            item_id,
            request.form.get("purpose", ""),
            now=now_utc(),
        )

    if perform(step, "已显示诉求人联系方式（本次查看已记入操作记录）。"):
        return _item_page(item_id, contacts=holder["numbers"])
    return redirect(url_for("workbench.item", item_id=item_id))


@bp.post("/items/<int:item_id>/extension")
@roles_required(*ROLES)
def extension(item_id: int):
    amount = int_arg("amount", 0, label="延期数量", form=True) or 0
    ok = perform(
        lambda: handling.request_extension(
            get_session(),
            current_staff(),
            item_id,
            _version(),
            amount,
            request.form.get("reason", ""),
            now=now_utc(),
            clock=clock(),
        ),
        "延期申请已提交，待审核人批准。",
    )
    return (
        redirect(url_for("workbench.item", item_id=item_id))
        if ok
        else _after(item_id, "reason", "extension")
    )


@bp.post("/items/<int:item_id>/pause")
@roles_required(*ROLES)
def pause(item_id: int):
    ok = perform(
        lambda: handling.request_pause(
            get_session(),
            current_staff(),
            item_id,
            _version(),
            request.form.get("kind", ""),
            request.form.get("reason", ""),
            now=now_utc(),
            clock=clock(),
        ),
        "暂停计时申请已提交，待审核人批准。",
    )
    return (
        redirect(url_for("workbench.item", item_id=item_id))
        if ok
        else _after(item_id, "reason", "pause")
    )


@bp.post("/items/<int:item_id>/resume")
@roles_required(*ROLES)
def resume(item_id: int):
    perform(
        lambda: handling.resume(
            get_session(), current_staff(), item_id, _version(), now=now_utc(), clock=clock()
        ),
        "已恢复计时，办理时限已重新计算。",
    )
    return redirect(url_for("workbench.item", item_id=item_id))


@bp.post("/items/<int:item_id>/send-back")
@roles_required(*ROLES)
def send_back(item_id: int):
    ok = perform(
        lambda: handling.send_back(
            get_session(),
            current_staff(),
            item_id,
            _version(),
            request.form.get("reason", ""),
            now=now_utc(),
        ),
        "已退回办公室重新分办。",
    )
    if ok:
        return redirect(url_for("workbench.index"))
    return _after(item_id, "reason", "send_back")
