"""Feeding an approved reply back to the channel it came from (the 12345 platform's report-back).

The web app calls a `ReportBack` after approval; which one is configuration:
- `NoReportBack` (default): nothing is sent; the event says staff must report back by hand.
- `HttpReportBack`: POSTs JSON to the feed's endpoint (HUIYING_REPORT_BACK_URL, with
  ``{external_id}`` in it, and a bearer token HUIYING_REPORT_BACK_TOKEN).
Whatever happens is recorded as an event on the item; a failure never undoes the approval.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

from ledger.models import Item, Reply


@dataclass(frozen=True)
class ReportBackResult:
    ok: bool
    detail: str


class ReportBack(Protocol):
    def report(self, item: Item, reply: Reply) -> ReportBackResult: ...


class NoReportBack:
    def report(self, item: Item, reply: Reply) -> ReportBackResult:
        return ReportBackResult(False, "未配置 12345 回传接口，请在 12345 平台人工反馈办理结果")


@dataclass(frozen=True)
class HttpReportBack:
    url_template: str  # e.g. http://127.0.0.1:8800/12345/api/orders/{external_id}/feedback
    token: str | None = None
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> HttpReportBack | None:
        url = config.get("REPORT_BACK_URL")
        if not url:
            return None
        token = config.get("REPORT_BACK_TOKEN")
        return cls(str(url), str(token) if token else None)

    def report(self, item: Item, reply: Reply) -> ReportBackResult:
        url = self.url_template.replace("{external_id}", quote(item.external_id, safe=""))
        payload = {
            "工单编号": item.external_id,
            "办理单位": reply.unit or "",
            "办理结果": reply.text,
            "办结时间": (reply.reviewed_at or reply.created_at).isoformat(),
        }
        request = urllib.request.Request(
            url,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return ReportBackResult(True, f"已回传 12345 平台（HTTP {response.status}）")
        except urllib.error.HTTPError as exc:
            return ReportBackResult(False, f"12345 平台拒绝回传：HTTP {exc.code}")
        except (urllib.error.URLError, OSError) as exc:
            return ReportBackResult(False, f"无法连接 12345 回传接口：{exc}")
