"""Telling the 12345 platform what became of its work order: 办结反馈 after approval, 回退 with a reason.

Which implementation is used is configuration:
- `NoReportBack` (default): nothing is sent; the event says staff must report back by hand.
- `HttpReportBack`: the feed's report-back API under HUIYING_REPORT_BACK_URL (the orders API root,
  e.g. ``http://127.0.0.1:8765/api/12345``): ``POST {root}/orders/{工单编号}/feedback`` with
  ``{"content", "unit", "finished_at"}`` and ``POST {root}/orders/{工单编号}/return`` with
  ``{"reason"}``, bearer token HUIYING_REPORT_BACK_TOKEN.
Whatever happens is recorded as an event on the item; a failure never undoes the decision.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote

from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.models import Item, Reply

HOTLINE_CHANNEL = "12345"  # items from this channel are reported back to the platform


@dataclass(frozen=True)
class ReportBackResult:
    ok: bool
    detail: str


class ReportBack(Protocol):
    def report(self, item: Item, reply: Reply) -> ReportBackResult: ...

    def send_back(self, item: Item, reason: str) -> ReportBackResult: ...


class NoReportBack:
    def report(self, item: Item, reply: Reply) -> ReportBackResult:
        return ReportBackResult(False, "未配置 12345 回传接口，请在 12345 平台人工反馈办理结果")

    def send_back(self, item: Item, reason: str) -> ReportBackResult:
        return ReportBackResult(False, "未配置 12345 回传接口，请在 12345 平台人工回退工单")


@dataclass(frozen=True)
class HttpReportBack:
    root: str  # the orders API root, e.g. http://127.0.0.1:8765/api/12345
    token: str | None = None
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> HttpReportBack | None:
        url = config.get("REPORT_BACK_URL")
        if not url:
            return None
        token = config.get("REPORT_BACK_TOKEN")
        return cls(str(url).rstrip("/"), str(token) if token else None)

    def report(self, item: Item, reply: Reply) -> ReportBackResult:
        finished = reply.reviewed_at or reply.created_at
        payload = {
            "content": reply.text,
            "unit": reply.unit or "",
            "finished_at": finished.isoformat(),
        }
        return self._post(item, "feedback", payload, "已回传 12345 平台（办结反馈）")

    def send_back(self, item: Item, reason: str) -> ReportBackResult:
        return self._post(item, "return", {"reason": reason}, "已向 12345 平台回退工单")

    def _post(self, item: Item, action: str, payload: dict[str, Any], ok: str) -> ReportBackResult:
        url = f"{self.root}/orders/{quote(item.external_id, safe='')}/{action}"
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
                return ReportBackResult(True, f"{ok}（HTTP {response.status}）")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:200]
            return ReportBackResult(False, f"12345 平台拒绝：HTTP {exc.code} {detail}")
        except (urllib.error.URLError, OSError) as exc:
            return ReportBackResult(False, f"无法连接 12345 回传接口：{exc}")


def record_report_back(
    session: Session,
    item: Item,
    call: Callable[[ReportBack], ReportBackResult],
    report_back: ReportBack | None,
    now: datetime,
    action: str,
) -> ReportBackResult:
    """Call the platform and record the outcome as an event; errors are recorded, never raised.

    The session is flushed first, so a concurrent edit (stale version) or a constraint fails
    before the platform is told anything.
    """
    session.flush()
    try:
        result = call(report_back or NoReportBack())
    except Exception as exc:  # noqa: BLE001 - a failed report-back must not undo the decision
        result = ReportBackResult(False, f"回传出错：{exc}")
    record_event(
        session,
        item,
        "system",
        action if result.ok else f"{action}失败",
        after={"结果": "成功" if result.ok else "未回传", "说明": result.detail},
        at=now,
    )
    return result
