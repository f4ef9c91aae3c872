"""Deadline rules as data: the rule book read from data/deadline_rules.toml, validated."""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NoReturn

Unit = Literal["workdays", "calendar_days", "hours", "months"]
UNIT_ZH: dict[str, str] = {
    "workdays": "个工作日",
    "calendar_days": "个自然日",
    "hours": "小时",
    "months": "个月",
}


class RuleFileError(ValueError):
    """data/deadline_rules.toml is malformed; the message says where and what to do."""


class UnknownItemType(LookupError):
    """No rule has this key or alias; the message lists the accepted names."""


@dataclass(frozen=True)
class DeadlineRule:
    key: str
    name: str
    aliases: tuple[str, ...]
    unit: Unit
    amount: int
    warn_before: int
    extension_max: int
    pausable: bool
    legal_source: str
    notes: str = ""
    pause_max: int | None = None  # legal cap of one pause (e.g. third-party opinion 15 wd)
    restartable: bool = False  # 补正 restarts the clock
    return_within: int | None = None  # 回退 (not our business) within this many units

    def describe(self) -> str:
        return f"{self.amount} {UNIT_ZH[self.unit]}"


@dataclass(frozen=True)
class RuleBook:
    rules: Mapping[str, DeadlineRule]  # key -> rule

    def __iter__(self) -> Iterator[DeadlineRule]:
        return iter(self.rules.values())

    def get(self, name_or_alias: str) -> DeadlineRule:
        wanted = _norm(name_or_alias)
        for rule in self.rules.values():
            if wanted in {_norm(n) for n in (rule.key, *rule.aliases)}:
                return rule
        listing = "；".join(f"{r.name}（{'、'.join((*r.aliases, r.key))}）" for r in self)
        raise UnknownItemType(f"未知的事项类型「{name_or_alias}」。可用的类型：{listing}")


_FIELDS: dict[str, tuple[type, bool]] = {  # field -> (type, required)
    "name": (str, True),
    "aliases": (list, True),
    "unit": (str, True),
    "amount": (int, True),
    "warn_before": (int, True),
    "extension_max": (int, True),
    "pausable": (bool, True),
    "legal_source": (str, True),
    "notes": (str, False),
    "pause_max": (int, False),
    "restartable": (bool, False),
    "return_within": (int, False),
}


def load_rules(path: str | Path) -> RuleBook:
    """Read and validate the rules file (see data/deadline_rules.toml for the format)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleFileError(
            f"读不到时限规则文件 {file}（{exc}）；请检查 --rules 或 HUIYING_DATA_DIR。"
        ) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(
            f"时限规则文件 {file} 不是合法的 TOML：{exc}。请对照文件头部的说明修改。"
        ) from exc
    return parse_rules(data, source=str(file), text=text)


def parse_rules(data: Mapping[str, Any], *, source: str = "<内存>", text: str = "") -> RuleBook:
    def fail(key: str, msg: str) -> NoReturn:
        lines = [i for i, ln in enumerate(text.splitlines(), 1) if ln.strip() == f"[{key}]"]
        where = f"第 {lines[0]} 行 [{key}]" if lines else f"[{key}]"
        raise RuleFileError(f"时限规则文件 {source} {where}：{msg}")

    if not data:
        raise RuleFileError(f"时限规则文件 {source} 里没有任何规则。")
    rules: dict[str, DeadlineRule] = {}
    seen: dict[str, str] = {}  # normalised name -> key that owns it
    for key, table in data.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            fail(key, "段名应为英文 key（小写字母、数字、下划线，字母开头），如 [foi_request]。")
        if not isinstance(table, Mapping):
            fail(key, "每个事项类型应写成一段 [key]，其下逐行写字段。")
        unknown = set(table) - set(_FIELDS)
        if unknown:
            near = difflib.get_close_matches(sorted(unknown)[0], list(_FIELDS), n=1, cutoff=0.5)
            hint = f"；最接近的有效键是 `{near[0]}`" if near else ""
            fail(key, f"不认识的字段 {sorted(unknown)}{hint}；可用字段：{'、'.join(_FIELDS)}。")
        for name, (kind, required) in _FIELDS.items():
            if name not in table:
                if required:
                    fail(key, f"缺少字段 {name}。")
                continue
            value = table[name]
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                fail(key, f"{name} = {value!r} 类型不对，应为{_TYPE_ZH[kind]}。")
            if kind is int and isinstance(value, int) and value < 0:
                fail(key, f"{name} 不能为负数。")
        if table["unit"] not in UNIT_ZH:
            fail(key, f"unit = {table['unit']!r} 无效；只能是 {'、'.join(UNIT_ZH)}。")
        if table["amount"] <= 0:
            fail(key, "amount 应为正整数。")
        if table["warn_before"] > table["amount"]:
            fail(key, "warn_before（黄牌提前量）不能大于 amount（时限）。")
        aliases = tuple(table["aliases"])
        if not aliases or not all(isinstance(a, str) and a.strip() for a in aliases):
            fail(key, 'aliases 应为非空的字符串列表，如 ["依申请公开"]。')
        for name in (key, *aliases):
            owner = seen.setdefault(_norm(name), key)
            if owner != key:
                fail(key, f"名称「{name}」已被 [{owner}] 使用；每个别名只能指向一个类型。")
        rules[key] = DeadlineRule(
            key=key, aliases=aliases, **{k: v for k, v in table.items() if k != "aliases"}
        )
    return RuleBook(rules)


_TYPE_ZH = {str: "文字（加引号）", list: "列表", int: "整数", bool: "true 或 false"}


def _norm(name: str) -> str:
    # Staff type full-width digits, stray spaces, upper case keys: all mean the same type.
    return unicodedata.normalize("NFKC", name).replace(" ", "").strip().casefold()
