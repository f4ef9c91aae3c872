"""Reply templates per item type, read from data/reply_templates.toml (administrator-edited)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ledger.clock.deadlines import SHANGHAI
from ledger.config.keys import UnknownKeyError, check_keys
from ledger.config.schemas import REPLY_TEMPLATES
from ledger.models import Item


class TemplateFileError(ValueError):
    """The templates file is malformed; the message says which entry and what to fix."""


@dataclass(frozen=True)
class ReplyTemplate:
    name: str
    types: tuple[str, ...]  # empty: every type
    text: str

    def applies_to(self, item_type: str) -> bool:
        return not self.types or item_type in self.types

    def render(self, item: Item) -> str:
        values = {
            "title": item.title,
            "received": item.received_at.astimezone(SHANGHAI).strftime("%Y年%m月%d日"),
            "department": item.department.name if item.department else "承办处室",
            "external_id": item.external_id,
        }
        out = self.text
        for key, value in values.items():  # not str.format: crawled text may carry braces
            out = out.replace("{" + key + "}", value)
        return out


def load_templates(path: Path) -> list[ReplyTemplate]:
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TemplateFileError(f"答复模板文件 {path} 不是合法的 TOML：{exc}") from exc
    try:
        check_keys(data, REPLY_TEMPLATES, str(path))
    except UnknownKeyError as exc:
        raise TemplateFileError(str(exc)) from exc
    out = []
    for n, row in enumerate(data.get("template", []), start=1):
        if not isinstance(row.get("name"), str) or not isinstance(row.get("text"), str):
            raise TemplateFileError(f"答复模板文件 {path} 第 {n} 个模板缺少 name 或 text。")
        out.append(ReplyTemplate(row["name"], tuple(row.get("types", [])), row["text"]))
    return out


def templates_for(templates: list[ReplyTemplate], item_type: str) -> list[ReplyTemplate]:
    return [t for t in templates if t.applies_to(item_type)]


# A placeholder is a full-width parenthesised hint in a template, at least six characters long:
# （写明核实情况与处理结果） is one; （见附件） and （提案） are ordinary text.
_PLACEHOLDER = re.compile(r"（[^（）\n]{6,80}）")


def placeholders(templates: Iterable[ReplyTemplate]) -> set[str]:
    """The hints staff must replace: every （…） in the templates that is not filled in itself
    (a segment holding {title} etc. is replaced by the item's data)."""
    return {
        m.group(0)
        for t in templates
        for m in _PLACEHOLDER.finditer(t.text)
        if "{" not in m.group(0)
    }


def unreplaced(text: str, hints: Iterable[str]) -> list[str]:
    """The template hints still present in `text`, in the order they appear."""
    found = [(text.find(h), h) for h in hints if h in text]
    return [h for _, h in sorted(found)]
