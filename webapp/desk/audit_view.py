"""The audit trail as a person reads it: names instead of codes and usernames, Beijing time,
plain text instead of JSON, and no line twice for one action."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from ledger.masking import mask_personal_data
from ledger.models import Event
from webapp.display import local_time

ACTORS = {"system": "系统（自动）"}


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    action: str
    changes: list[Change]
    note: str


@dataclass(frozen=True)
class Names:
    departments: Mapping[str, str]  # code → name
    users: Mapping[str, str]  # username → display name
    sources: Mapping[str, str]  # slug → name


def _when(text: str) -> str | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return local_time(value, "%Y-%m-%d %H:%M") if value.tzinfo else None


def _value(field: str, value: object, names: Names) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        if value and all(isinstance(v, dict) and "code" in v for v in value):
            return "、".join(
                f"{names.departments.get(v['code'], v['code'])} {float(v.get('confidence') or 0):.0%}"
                for v in value
            )
        return "、".join(_value(field, v, names) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{_value(k, v, names)}" for k, v in value.items())
    text = str(value)
    if field in ("来源",) and text in names.sources:
        return names.sources[text]
    if text in names.departments:
        return names.departments[text]
    if field in ("通知",) and text in names.users:
        return names.users[text]
    when = _when(text) if "T" in text and text[:2].isdigit() else None
    if when:
        return when
    return mask_personal_data(text.replace("\r\n", "\n").replace("\r", "\n"))


def _actor(actor: str, names: Names) -> str:
    if actor in ACTORS:
        return ACTORS[actor]
    if actor.startswith("crawler:"):
        slug = actor.removeprefix("crawler:")
        return f"采集：{names.sources.get(slug, slug)}"
    return names.users.get(actor, actor)


def readable(events: Iterable[Event], names: Names) -> list[AuditRow]:
    rows: list[AuditRow] = []
    last_key: tuple[object, ...] | None = None
    for e in events:
        before, after = e.before or {}, e.after or {}
        if before and before == after and not e.note:
            continue  # saved again without a change: nothing happened
        key = (e.actor, e.action, repr(after), e.note)
        if key == last_key:
            continue  # the same action recorded twice in a row
        last_key = key
        fields = list(dict.fromkeys([*before, *after]))
        changes = [
            Change(
                f,
                _value(f, before.get(f), names) if f in before else "",
                _value(f, after.get(f), names) if f in after else "",
            )
            for f in fields
            if before.get(f) != after.get(f) or f not in before
        ]
        rows.append(
            AuditRow(
                e.at,
                _actor(e.actor, names),
                e.action,
                changes,
                mask_personal_data((e.note or "").replace("\r\n", "\n")),
            )
        )
    return rows
