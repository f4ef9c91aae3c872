"""data/opinion_events.toml: the 舆情事件 levels (each mapped to a deadline rule), when an event is
proposed to the 办公室, and which roles edit or only read events."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ledger.clock.deadlines import RuleBook, UnknownItemType
from ledger.config.keys import UnknownKeyError, check_keys
from ledger.models import Role

SCHEMA = {
    "level": [{"name": None, "rule": None}],
    "proposal": {
        "risk_levels": None,
        "risk_lookback_hours": None,
        "burst_count": None,
        "burst_hours": None,
        "burst_similarity": None,
        "notify_roles": None,
    },
    "access": {"edit_roles": None, "view_roles": None},
}


class EventConfigError(ValueError):
    """data/opinion_events.toml is malformed; the message says what to fix."""


@dataclass(frozen=True)
class EventConfig:
    levels: dict[str, str]  # level name -> deadline rule key, in the file's order
    risk_levels: tuple[str, ...]
    risk_lookback_hours: int
    burst_count: int
    burst_hours: int
    burst_similarity: float
    notify_roles: tuple[Role, ...]
    edit_roles: tuple[Role, ...]
    view_roles: tuple[Role, ...]

    @property
    def read_roles(self) -> tuple[Role, ...]:
        return self.edit_roles + tuple(r for r in self.view_roles if r not in self.edit_roles)

    def check_rules(self, rules: RuleBook) -> None:
        for name, key in self.levels.items():
            try:
                rules.get(key)
            except UnknownItemType as exc:
                raise EventConfigError(
                    f"舆情事件等级「{name}」的 rule = {key!r} 不是时限规则：{exc}"
                ) from exc


def load_event_config(path: Path) -> EventConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        check_keys(data, SCHEMA, str(path))
    except (OSError, tomllib.TOMLDecodeError, UnknownKeyError) as exc:
        raise EventConfigError(f"舆情事件配置 {path} 无法读取：{exc}") from exc
    levels: dict[str, str] = {}
    for n, row in enumerate(data.get("level", []), start=1):
        name, rule = row.get("name"), row.get("rule")
        if not isinstance(name, str) or not name.strip() or not isinstance(rule, str):
            raise EventConfigError(f"{path} 第 {n} 个 [[level]]：须有 name 和 rule（文字）。")
        levels[name.strip()] = rule
    if not levels:
        raise EventConfigError(f"{path} 至少要有一个 [[level]]。")
    proposal, access = data.get("proposal", {}), data.get("access", {})
    count, hours = proposal.get("burst_count", 5), proposal.get("burst_hours", 24)
    similarity = proposal.get("burst_similarity", 0.3)
    lookback = proposal.get("risk_lookback_hours", 72)
    if not isinstance(lookback, int) or lookback < 1:
        raise EventConfigError(f"{path} [proposal]：risk_lookback_hours 须为 ≥1 的整数。")
    if not isinstance(count, int) or count < 2 or not isinstance(hours, int) or hours < 1:
        raise EventConfigError(f"{path} [proposal]：burst_count 须 ≥2，burst_hours 须 ≥1（整数）。")
    if not isinstance(similarity, int | float) or not 0 < similarity <= 1:
        raise EventConfigError(f"{path} [proposal]：burst_similarity 须在 0 与 1 之间。")
    return EventConfig(
        levels=levels,
        risk_levels=tuple(proposal.get("risk_levels", ["重大"])),
        risk_lookback_hours=lookback,
        burst_count=count,
        burst_hours=hours,
        burst_similarity=float(similarity),
        notify_roles=_roles(proposal.get("notify_roles", ["分办员"]), path, "notify_roles"),
        edit_roles=_roles(access.get("edit_roles", ["分办员", "督办"]), path, "edit_roles"),
        view_roles=_roles(access.get("view_roles", []), path, "view_roles"),
    )


def _roles(values: object, path: Path, key: str) -> tuple[Role, ...]:
    try:
        return tuple(Role(v) for v in values)  # type: ignore[attr-defined]
    except (ValueError, TypeError) as exc:
        names = "、".join(r.value for r in Role)
        raise EventConfigError(f"{path} 的 {key} 无效；可选角色：{names}") from exc
