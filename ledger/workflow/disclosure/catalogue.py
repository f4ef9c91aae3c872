"""依申请公开 as data (data/disclosure_requests.toml): applicant types, the Art. 36 reply types with
their legal grounds, and the rows of the annual report table they are counted in."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.config.keys import UnknownKeyError, check_keys
from ledger.config.schemas import DISCLOSURE_REQUESTS
from ledger.workflow.guards import WorkflowError

NEEDS = ("", "ground", "body")


class CatalogueError(ValueError):
    """The file is malformed; the message says where."""


@dataclass(frozen=True)
class Ground:
    label: str
    legal_source: str
    row: str


@dataclass(frozen=True)
class ReplyType:
    name: str
    legal_source: str
    row: str
    needs: str  # "" | "ground" | "body"
    grounds: tuple[Ground, ...]

    def ground(self, label: str) -> Ground | None:
        return next((g for g in self.grounds if g.label == label), None)


@dataclass(frozen=True)
class ReportRow:
    key: str
    label: str
    level: int
    heading: bool  # a title row without figures (三、本年度办理结果)
    sum_of_children: bool  # the figures are those of the level-2 rows under it


@dataclass(frozen=True)
class Decision:
    """A checked reply: its type, ground or named body, and the annual-report row it counts in."""

    reply: ReplyType
    ground: Ground | None
    body: str | None
    row: str


@dataclass(frozen=True)
class DisclosureCatalogue:
    applicant_types: tuple[str, ...]
    replies: tuple[ReplyType, ...]
    report_rows: tuple[ReportRow, ...]
    withdrawn_row: str

    def reply(self, name: str) -> ReplyType:
        found = next((r for r in self.replies if r.name == name), None)
        if found is None:
            names = "、".join(r.name for r in self.replies)
            raise WorkflowError(f"请选择答复类型（{names}）。")
        return found

    def decide(self, reply_type: str, ground: str | None, body: str | None) -> Decision:
        """The reply as chosen on the form, refused when its ground or named body is missing."""
        reply = self.reply(reply_type)
        ground, body = (ground or "").strip(), (body or "").strip()
        if reply.needs == "ground":
            chosen = reply.ground(ground)
            if chosen is None:
                raise WorkflowError(
                    f"答复类型“{reply.name}”须选择法定理由（{reply.legal_source.split('：')[0]}），"
                    "未保存。"
                )
            return Decision(reply, chosen, None, chosen.row)
        if reply.needs == "body":
            if not body:
                raise WorkflowError(
                    f"答复类型“{reply.name}”须写明负责公开该信息的机关名称（条例第三十六条第（五）项），"
                    "未保存。"
                )
            return Decision(reply, None, body[:200], reply.row)
        return Decision(reply, None, None, reply.row)

    def check_applicant_type(self, value: str) -> str:
        if value not in self.applicant_types:
            raise WorkflowError(f"请选择申请人类型（{'、'.join(self.applicant_types)}）。")
        return value


def parse_catalogue(data: dict[str, Any]) -> DisclosureCatalogue:
    try:
        types = tuple(str(t["name"]) for t in data["applicant_type"])
        rows = tuple(
            ReportRow(
                key=str(r["key"]),
                label=str(r["label"]),
                level=int(r["level"]),
                heading=bool(r.get("heading", False)),
                sum_of_children=bool(r.get("sum_of_children", False)),
            )
            for r in data["report_row"]
        )
        replies = []
        for r in data["reply"]:
            needs = str(r.get("needs", ""))
            if needs not in NEEDS:
                raise CatalogueError(f"答复类型 {r['name']}：needs = {needs!r} 无效")
            grounds = tuple(
                Ground(str(g["label"]), str(g["legal_source"]), str(g.get("row", r["row"])))
                for g in r.get("grounds", [])
            )
            if needs == "ground" and not grounds:
                raise CatalogueError(f"答复类型 {r['name']} 须选择理由，但没有列出 grounds")
            replies.append(
                ReplyType(str(r["name"]), str(r["legal_source"]), str(r["row"]), needs, grounds)
            )
        withdrawn = str(data["withdrawn"]["row"])
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, CatalogueError):
            raise
        raise CatalogueError(f"disclosure_requests.toml 格式不对：{exc!r}") from exc
    keys = {r.key for r in rows}
    used = {withdrawn} | {r.row for r in replies} | {g.row for r in replies for g in r.grounds}
    unknown = sorted(used - keys)
    if unknown:
        raise CatalogueError(f"答复类型引用了不存在的年度报告行：{'、'.join(unknown)}")
    if not types:
        raise CatalogueError("没有申请人类型")
    return DisclosureCatalogue(types, tuple(replies), rows, withdrawn)


def load_catalogue(path: Path) -> DisclosureCatalogue:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        check_keys(data, DISCLOSURE_REQUESTS, str(path))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"{path.name}：无法读取（{exc}）") from exc
    except UnknownKeyError as exc:
        raise CatalogueError(str(exc)) from exc
    return parse_catalogue(data)
