"""舆情事件 steps: open, 研判, respond, follow up, close; the response clock and its state.

Every step takes the session (the caller commits), the acting user, the event id and the version the
user saw; it checks everything before it changes anything, so a refused step leaves no half-saved
rows. Each change is an audit row (`event.opinion_event_id`), and linking an item is also written in
the item's own history.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.clock.deadlines import SHANGHAI, compute_deadline
from ledger.models import EventNote, EventResponse, Item, OpinionEvent, User
from ledger.queries import DB_INT_MAX, NotVisible, get_item
from ledger.states import OPINION_EVENT, EventStatus
from ledger.workflow.events.config import EventConfig
from ledger.workflow.guards import (
    MISSING_VERSION_MESSAGE,
    Clock,
    MissingVersion,
    VersionConflict,
    WorkflowError,
    require_role,
)

# A time typed a few minutes ahead of the server's clock is a typing slip, not the future.
FUTURE_SLACK = timedelta(minutes=5)


# -- checks shared by the steps --------------------------------------------------------------


def _text(value: str | None, what: str, limit: int = 4000) -> str:
    text = (value or "").strip()
    if not text:
        raise WorkflowError(f"请填写{what}。")
    if len(text) > limit:
        raise WorkflowError(f"{what}过长（{len(text)} 字），请控制在 {limit} 字以内。")
    return text


def _moment(value: datetime | None, what: str, now: datetime) -> datetime:
    if value is None:
        raise WorkflowError(f"请填写{what}（北京时间，年-月-日 时:分）。")
    if value.utcoffset() is None:
        raise WorkflowError(f"{what}缺少时区。")
    if value > now + FUTURE_SLACK:
        shown = value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        raise WorkflowError(f"{what}（{shown}）晚于当前时间，请核对。")
    return value


def _level(config: EventConfig, level: str | None) -> str:
    names = "、".join(config.levels)
    if not level or not level.strip():
        raise WorkflowError(f"请选择事件等级（{names}）：等级决定回应时限。")
    if level.strip() not in config.levels:
        raise WorkflowError(f"事件等级「{level}」无效，只能是：{names}。")
    return level.strip()


def _links(values: Iterable[str]) -> list[str]:
    links = [v.strip() for v in values if v and v.strip()]
    for link in links:
        if not link.startswith(("http://", "https://")):
            raise WorkflowError(
                f"来源链接「{link[:60]}」不是网址（应以 http:// 或 https:// 开头）。"
            )
    return links


def load_event(session: Session, event_id: int) -> OpinionEvent:
    """The event, or NotVisible (the web app's one 404 for anything not there)."""
    event = session.get(OpinionEvent, event_id) if 0 < event_id <= DB_INT_MAX else None
    if event is None:
        raise NotVisible(event_id)
    return event


def _checked(session: Session, event_id: int, version: int | None) -> OpinionEvent:
    event = load_event(session, event_id)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise MissingVersion(MISSING_VERSION_MESSAGE)
    if event.version != version:
        raise VersionConflict(
            f"该舆情事件已被他人修改（您看到的是第 {version} 版，现在是第 {event.version} 版），"
            "本次操作未保存。请刷新页面查看最新内容后重试。"
        )
    return event


def _audit(
    session: Session,
    event: OpinionEvent,
    user: User | str,
    action: str,
    now: datetime,
    *,
    item: Item | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
) -> None:
    session.flush()  # the event needs its id
    row = record_event(session, item, user, action, before=before, after=after, note=note, at=now)
    row.opinion_event_id = event.id


def _move(event: OpinionEvent, new: EventStatus) -> None:
    if not OPINION_EVENT.allows(event.status, new):
        raise WorkflowError(f"舆情事件当前状态为「{event.status}」，不能变为「{new}」。")
    event.status = new


def apply_clock(event: OpinionEvent, config: EventConfig, clock: Clock) -> None:
    """The response clock: the level's rule (calendar hours) from first seen."""
    rule = clock.rules.get(config.levels[event.level])
    result = compute_deadline(rule, event.first_seen_at, clock.calendar)
    event.rule_key = rule.key
    event.due_at, event.warn_at = result.due_at, result.warn_at
    # the rule book says 收到时间 (an item's word); an event's clock starts when it was first seen
    event.explanation = [line.replace("收到时间：", "首次发现：", 1) for line in result.explain()]


def _link(
    session: Session, user: User, event: OpinionEvent, items: Sequence[Item], now: datetime
) -> None:
    for item in items:
        if item in event.items:
            continue
        event.items.append(item)
        _audit(
            session,
            event,
            user,
            "关联舆情事件",
            now,
            item=item,
            after={"舆情事件": event.id, "标题": event.title},
        )


def _items(session: Session, user: User, item_ids: Iterable[int]) -> list[Item]:
    items = []
    for item_id in dict.fromkeys(item_ids):
        try:
            items.append(get_item(session, user, item_id))
        except NotVisible:  # typed in a form: say which, rather than a 404 page
            raise WorkflowError(f"没有序号为 {item_id} 的事项（或不在您的可见范围）。") from None
    return items


# -- steps -----------------------------------------------------------------------------------


def open_event(
    session: Session,
    user: User,
    *,
    title: str,
    level: str | None,
    first_seen_at: datetime | None,
    source_links: Iterable[str] = (),
    item_ids: Iterable[int] = (),
    summary: str = "",
    now: datetime,
    config: EventConfig,
    clock: Clock,
) -> OpinionEvent:
    require_role(user, config.edit_roles, "立舆情事件")
    checked_title = _text(title, "事件标题", 300)
    checked_level = _level(config, level)
    seen = _moment(first_seen_at, "首次发现时间", now)
    links = _links(source_links)
    items = _items(session, user, item_ids)
    event = OpinionEvent(
        title=checked_title,
        level=checked_level,
        status=EventStatus.FOUND,
        first_seen_at=seen,
        source_links=links,
        summary=(summary or "").strip(),
        created_by_id=user.id,
        created_at=now,
        updated_at=now,
    )
    apply_clock(event, config, clock)
    session.add(event)
    _audit(
        session,
        event,
        user,
        "立舆情事件",
        now,
        after={
            "标题": event.title,
            "等级": event.level,
            "首次发现": _local(seen),
            "回应时限": _local(event.due_at),
        },
    )
    _link(session, user, event, items, now)
    return event


def assess(
    session: Session,
    user: User,
    event_id: int,
    version: int | None,
    *,
    level: str | None,
    note: str,
    now: datetime,
    config: EventConfig,
    clock: Clock,
) -> OpinionEvent:
    """研判: confirm or change the level (which moves the clock) and record the judgement."""
    require_role(user, config.edit_roles, "研判舆情事件")
    event = _checked(session, event_id, version)
    new_level = _level(config, level)
    text = _text(note, "研判意见")
    before = {"状态": str(event.status), "等级": event.level, "回应时限": _local(event.due_at)}
    _move(event, EventStatus.ASSESSING)
    if new_level != event.level:
        event.level = new_level
        apply_clock(event, config, clock)
    event.updated_at = now
    after = {"状态": str(event.status), "等级": event.level, "回应时限": _local(event.due_at)}
    _audit(session, event, user, "研判", now, before=before, after=after, note=text)
    return event


def start_response(
    session: Session,
    user: User,
    event_id: int,
    version: int | None,
    *,
    now: datetime,
    config: EventConfig,
) -> OpinionEvent:
    require_role(user, config.edit_roles, "开始回应")
    event = _checked(session, event_id, version)
    before = str(event.status)
    _move(event, EventStatus.RESPONDING)
    event.updated_at = now
    _audit(session, event, user, "开始回应", now, before={"状态": before}, after={"状态": "回应中"})
    return event


def record_response(
    session: Session,
    user: User,
    event_id: int,
    version: int | None,
    *,
    channel: str,
    responded_at: datetime | None,
    content: str,
    approved_by: str,
    link: str = "",
    now: datetime,
    config: EventConfig,
) -> EventResponse:
    """A response that went out: where, when, what, who approved. The first one stops the clock."""
    require_role(user, config.edit_roles, "记录回应")
    event = _checked(session, event_id, version)
    if event.status in OPINION_EVENT.closed:
        raise WorkflowError("该舆情事件已办结，不能再记录回应。")
    where = _text(channel, "回应渠道", 60)
    what = _text(content, "回应内容")
    approver = _text(approved_by, "审批人（签发领导）", 60)
    at = _moment(responded_at, "回应时间", now)
    if at < event.first_seen_at:
        raise WorkflowError(
            f"回应时间（{_local(at)}）早于首次发现时间（{_local(event.first_seen_at)}），请核对。"
        )
    links = _links([link])
    before = {"状态": str(event.status)}
    if event.status in OPINION_EVENT.clock_running:
        _move(event, EventStatus.RESPONDED)
    response = EventResponse(
        event=event,
        channel=where,
        responded_at=at,
        content=what,
        approved_by=approver,
        link=links[0] if links else None,
        recorded_by_id=user.id,
        recorded_at=now,
    )
    session.add(response)
    if event.first_response_at is None or at < event.first_response_at:
        event.first_response_at = at
    event.updated_at = now
    on_time = "按时" if at <= event.due_at else "超时"
    _audit(
        session,
        event,
        user,
        "记录回应",
        now,
        before=before,
        after={
            "状态": str(event.status),
            "渠道": where,
            "回应时间": _local(at),
            "审批人": approver,
            "时限": f"{on_time}（时限 {_local(event.due_at)}）",
        },
        note=what,
    )
    return response


def add_note(
    session: Session,
    user: User,
    event_id: int,
    version: int | None,
    *,
    text: str,
    now: datetime,
    config: EventConfig,
) -> EventNote:
    """跟踪: a note on how the matter developed; the first one after a response starts 跟踪."""
    require_role(user, config.edit_roles, "记录跟踪情况")
    event = _checked(session, event_id, version)
    if event.status in OPINION_EVENT.closed:
        raise WorkflowError("该舆情事件已办结，不能再记录跟踪情况。")
    body = _text(text, "跟踪情况")
    before = str(event.status)
    if event.status == EventStatus.RESPONDED:
        _move(event, EventStatus.TRACKING)
    note = EventNote(event=event, at=now, text=body, author_id=user.id)
    session.add(note)
    event.updated_at = now
    _audit(
        session,
        event,
        user,
        "跟踪",
        now,
        before={"状态": before},
        after={"状态": str(event.status)},
        note=body,
    )
    return note


def close_event(
    session: Session,
    user: User,
    event_id: int,
    version: int | None,
    *,
    summary: str,
    now: datetime,
    config: EventConfig,
) -> OpinionEvent:
    require_role(user, config.edit_roles, "办结舆情事件")
    event = _checked(session, event_id, version)
    text = _text(summary, "办结小结")
    if not OPINION_EVENT.allows(event.status, EventStatus.CLOSED):
        raise WorkflowError(
            f"舆情事件当前状态为「{event.status}」，不能办结：请先记录回应，"
            "或先研判（研判后确无需回应的，可在研判状态下写明理由办结）。"
        )
    before = str(event.status)
    event.status = EventStatus.CLOSED
    event.closing_summary, event.closed_at, event.updated_at = text, now, now
    _audit(
        session,
        event,
        user,
        "办结",
        now,
        before={"状态": before},
        after={"状态": "办结"},
        note=text,
    )
    return event


def link_items(
    session: Session,
    user: User,
    event_id: int,
    version: int | None,
    item_ids: Iterable[int],
    *,
    now: datetime,
    config: EventConfig,
) -> OpinionEvent:
    require_role(user, config.edit_roles, "关联事项")
    event = _checked(session, event_id, version)
    items = _items(session, user, item_ids)
    if not items:
        raise WorkflowError("请填写要关联的事项编号。")
    _link(session, user, event, items, now)
    event.updated_at = now
    return event


def _local(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
