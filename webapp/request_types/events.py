"""舆情事件 pages: proposals and the events list with their clocks, an event's page (研判, 回应,
跟踪, 办结, linked items as the user may see them), and the 舆情事件台账 export.

办公室 roles edit (data/opinion_events.toml [access].edit_roles); leaders read (view_roles)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ledger.clock.deadlines import SHANGHAI
from ledger.exports.events import workbook_bytes
from ledger.models import Department, Event, EventProposal, Item, OpinionEvent, User
from ledger.queries import get_item
from ledger.states import EventStatus
from ledger.workflow.events import proposals as event_proposals
from ledger.workflow.events import steps as events
from ledger.workflow.events.reads import (
    ClockState,
    clock_state,
    events_of_item,
    events_on_clock,
    list_events,
    visible_linked_items,
)
from ledger.workflow.guards import WorkflowError, now_utc
from webapp.auth import current_staff
from webapp.database import bookkeeping_session, get_session
from webapp.desk.audit_view import Names, readable
from webapp.params import int_arg, parse_int
from webapp.request_types.event_access import (
    can_edit,
    can_read_events,
    editors,
    event_config,
    form_ids,
    form_moment,
    form_version,
    readers,
)
from webapp.roles import perform
from webapp.services import clock

bp = Blueprint("events", __name__, url_prefix="/events")
SCAN_EVERY = timedelta(minutes=1)
CHANNELS = ("厅门户网站", "政务微博", "政务微信", "新闻发布会", "媒体采访", "留言板答复", "其他")


@bp.get("/")
@readers
def index():
    session = get_session()
    now = now_utc()
    if can_edit() and _scan_due(now):  # idempotent: each proposal is created once
        with bookkeeping_session() as writer:
            found = event_proposals.scan(writer, now, event_config())
        if found.created or found.grown:
            session.rollback()  # end this request's read snapshot, so the next reads see them
    status = request.args.get("status", "")
    status = status if status in {s.value for s in EventStatus} else ""
    rows = list_events(session, status or None)
    proposals = event_proposals.pending(session) if can_edit() else []
    items = {
        i.id: i
        for i in session.scalars(
            select(Item).where(Item.id.in_([n for p in proposals for n in p.item_ids]))
        )
    }
    open_events = [e for e in list_events(session) if e.status != EventStatus.CLOSED]
    return render_template(
        "events/list.html",
        rows=rows,
        states={e.id: clock_state(e, now) for e in rows},
        proposals=proposals,
        proposal_items=items,
        open_events=open_events,
        statuses=[s.value for s in EventStatus],
        status=status,
        can_edit=can_edit(),
    )


def _scan_due(now: datetime) -> bool:
    """At most one proposal scan a minute per worker: the page is opened often, items arrive
    slower, and `huiying remind` scans too."""
    ext = current_app.extensions
    last = ext.get("huiying.event_scan_at")
    if last is not None and now - last < SCAN_EVERY:
        return False
    ext["huiying.event_scan_at"] = now
    return True


def _new_form(values: dict[str, Any], proposal: EventProposal | None) -> str:
    items = []
    if proposal is not None:
        items = [get_item(get_session(), current_staff(), i) for i in proposal.item_ids]
    return render_template(
        "events/new.html",
        v=values,
        proposal=proposal,
        items=items,
        levels=list(event_config().levels),
    )


@bp.get("/new")
@editors
def new():
    proposal_id = int_arg("proposal", label="舆情提示", minimum=1)
    proposal = get_session().get(EventProposal, proposal_id) if proposal_id else None
    values: dict[str, Any] = {}
    if proposal is not None:
        first = get_item(get_session(), current_staff(), proposal.item_ids[0])
        values = {
            "title": first.title,
            "level": proposal.level,
            "first_seen_at": first.received_at.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
            "source_links": "\n".join(
                i.url for i in [first] if i.url and i.url.startswith(("http://", "https://"))
            ),
        }
    return _new_form(values, proposal)


@bp.post("/new")
@editors
def create():
    session = get_session()
    values = {k: request.form.get(k, "") for k in request.form}
    proposal_id = parse_int(values.get("proposal", ""), minimum=1)
    proposal = session.get(EventProposal, proposal_id) if proposal_id else None
    fields: dict[str, Any] = {}
    try:
        fields = dict(
            title=values.get("title", ""),
            level=values.get("level"),
            first_seen_at=form_moment("first_seen_at", "首次发现时间"),
            source_links=values.get("source_links", "").splitlines(),
            summary=values.get("summary", ""),
            now=now_utc(),
            config=event_config(),
            clock=clock(),
        )
        if proposal is not None:
            event = event_proposals.open_from(session, current_staff(), proposal.id, **fields)
        else:
            event = events.open_event(
                session, current_staff(), item_ids=form_ids(values.get("item_ids", "")), **fields
            )
        session.commit()
    except WorkflowError as exc:
        session.rollback()
        flash(f"未立事件：{exc}", "error")
        return _new_form(values, proposal)
    flash("已立舆情事件，回应时限已按等级计算。", "info")
    return redirect(url_for("events.show", event_id=event.id))


@bp.get("/<int:event_id>")
@readers
def show(event_id: int):
    session = get_session()
    event = events.load_event(session, event_id)
    items, hidden = visible_linked_items(session, current_staff(), event)
    seen = {i.id for i in items}
    rows = session.scalars(
        select(Event).where(Event.opinion_event_id == event.id).order_by(Event.at, Event.id)
    ).all()
    # an audit row about a linked item the user may not see is not shown to them either
    history = readable([r for r in rows if r.item_id is None or r.item_id in seen], _names())
    return render_template(
        "events/show.html",
        e=event,
        state=clock_state(event, now_utc()),
        items=items,
        hidden=hidden,
        history=history,
        can_edit=can_edit(),
        levels=list(event_config().levels),
        channels=CHANNELS,
        now_local=now_utc().astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
    )


def _names() -> Names:
    session = get_session()
    return Names(
        departments={d.code: d.name for d in session.scalars(select(Department))},
        users={u.username: u.display_name for u in session.scalars(select(User))},
        sources={},
    )


def _step(event_id: int, step: Callable[[], object], success: str):
    perform(step, success)
    return redirect(url_for("events.show", event_id=event_id))


@bp.post("/<int:event_id>/assess")
@editors
def assess(event_id: int):
    return _step(
        event_id,
        lambda: events.assess(
            get_session(),
            current_staff(),
            event_id,
            form_version(),
            level=request.form.get("level"),
            note=request.form.get("note", ""),
            now=now_utc(),
            config=event_config(),
            clock=clock(),
        ),
        "已记录研判意见。",
    )


@bp.post("/<int:event_id>/start")
@editors
def start(event_id: int):
    return _step(
        event_id,
        lambda: events.start_response(
            get_session(),
            current_staff(),
            event_id,
            form_version(),
            now=now_utc(),
            config=event_config(),
        ),
        "已转入回应中。",
    )


@bp.post("/<int:event_id>/respond")
@editors
def respond(event_id: int):
    return _step(
        event_id,
        lambda: events.record_response(
            get_session(),
            current_staff(),
            event_id,
            form_version(),
            channel=request.form.get("channel", ""),
            responded_at=form_moment("responded_at", "回应时间"),
            content=request.form.get("content", ""),
            approved_by=request.form.get("approved_by", ""),
            link=request.form.get("link", ""),
            now=now_utc(),
            config=event_config(),
        ),
        "已记录回应。",
    )


@bp.post("/<int:event_id>/note")
@editors
def note(event_id: int):
    return _step(
        event_id,
        lambda: events.add_note(
            get_session(),
            current_staff(),
            event_id,
            form_version(),
            text=request.form.get("text", ""),
            now=now_utc(),
            config=event_config(),
        ),
        "已记录跟踪情况。",
    )


@bp.post("/<int:event_id>/close")
@editors
def close(event_id: int):
    return _step(
        event_id,
        lambda: events.close_event(
            get_session(),
            current_staff(),
            event_id,
            form_version(),
            summary=request.form.get("summary", ""),
            now=now_utc(),
            config=event_config(),
        ),
        "舆情事件已办结。",
    )


@bp.post("/<int:event_id>/link")
@editors
def link(event_id: int):
    return _step(
        event_id,
        lambda: events.link_items(
            get_session(),
            current_staff(),
            event_id,
            form_version(),
            form_ids(request.form.get("item_ids", "")),
            now=now_utc(),
            config=event_config(),
        ),
        "已关联事项。",
    )


@bp.post("/proposals/<int:proposal_id>/link")
@editors
def link_proposal(proposal_id: int):
    event_id = int_arg("event_id", label="舆情事件", minimum=1, form=True)
    session = get_session()
    target = session.get(OpinionEvent, event_id) if event_id else None
    perform(
        lambda: event_proposals.link_to(
            session,
            current_staff(),
            proposal_id,
            event_id or 0,
            target.version if target is not None else None,
            now=now_utc(),
            config=event_config(),
        ),
        "已把提示中的事项关联到该舆情事件。",
    )
    return redirect(url_for("events.index"))


@bp.post("/proposals/<int:proposal_id>/dismiss")
@editors
def dismiss(proposal_id: int):
    perform(
        lambda: event_proposals.dismiss(
            get_session(),
            current_staff(),
            proposal_id,
            request.form.get("reason", ""),
            now=now_utc(),
            config=event_config(),
        ),
        "已忽略该舆情提示（理由已记录）。",
    )
    return redirect(url_for("events.index"))


@bp.get("/export.xlsx")
@readers
def export():
    now = now_utc()
    data = workbook_bytes(get_session(), current_staff(), now)
    name = f"yuqing-shijian-{now.astimezone(SHANGHAI):%Y%m%d-%H%M}.xlsx"  # 舆情事件; Beijing time
    return current_app.response_class(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def event_board(
    session: Any, now: datetime
) -> tuple[list[OpinionEvent], list[OpinionEvent]] | None:
    """(due soon, overdue) events for the 督办 board; None for roles that may not read events."""
    if not can_read_events():
        return None
    return events_on_clock(session, now)


@bp.app_template_global("event_clock")
def event_clock(event: OpinionEvent) -> ClockState:
    return clock_state(event, now_utc())


@bp.app_template_global("item_events")
def item_events(item_id: int) -> list[OpinionEvent]:
    """The 舆情事件 an item is linked to, for the item's page."""
    return events_of_item(get_session(), item_id)


bp.add_app_template_global(can_read_events, "can_read_events")
