"""When an entered item counts as received, by channel (data/receipt_rules.toml; 条例 Art. 31).

In person: the day it was handed in; by post: the day it was signed for; online or fax: the day both
sides confirmed. The form asks for that one moment (its label comes from the rule) and, optionally,
when the sender submitted or posted it, which the receipt may not precede.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, cast, get_args
from zoneinfo import ZoneInfo

from ledger.intake.record_checks import IntakeError

Basis = Literal["same_day", "signed_for", "confirmed"]
BASIS_ZH: dict[str, str] = {
    "same_day": "当面提交之日",
    "signed_for": "签收之日",
    "confirmed": "双方确认之日",
}
SHANGHAI = ZoneInfo("Asia/Shanghai")


class ReceiptRuleError(ValueError):
    """The receipt rules file is malformed; the message says where."""


@dataclass(frozen=True)
class ReceiptRule:
    channel: str
    basis: Basis
    label: str
    legal_source: str


@dataclass(frozen=True)
class Receipt:
    received_at: datetime  # aware, as entered
    explanation: str  # one line for the item's record


class ReceiptRules:
    def __init__(self, rules: dict[str, ReceiptRule]) -> None:
        self._rules = rules

    def __iter__(self) -> Iterator[ReceiptRule]:
        return iter(self._rules.values())

    def channels(self) -> list[str]:
        return list(self._rules)

    def get(self, channel: str) -> ReceiptRule:
        try:
            return self._rules[channel.strip()]
        except KeyError:
            known = "、".join(self._rules)
            raise IntakeError(f"渠道“{channel}”不在收到日期规则中（可选：{known}）") from None

    def receipt(
        self,
        channel: str,
        *,
        received_at: datetime | None,
        submitted_at: datetime | None,
        now: datetime,
    ) -> Receipt:
        """The receipt moment for `channel`, checked against the submission time and `now`."""
        rule = self.get(channel)
        if received_at is None:
            raise IntakeError(f"请填写{rule.label}（{channel}以{BASIS_ZH[rule.basis]}为收到日）")
        for value, what in ((received_at, rule.label), (submitted_at, "提交（寄出）时间")):
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"{what} 必须带时区")
        if received_at > now:
            raise IntakeError(f"{rule.label}（{_fmt(received_at)}）晚于现在，不能是将来的时间")
        if submitted_at is not None and submitted_at > now:
            raise IntakeError(f"提交（寄出）时间（{_fmt(submitted_at)}）晚于现在，不能是将来的时间")
        if submitted_at is not None and received_at < submitted_at:
            raise IntakeError(
                f"{rule.label}（{_fmt(received_at)}）早于提交（寄出）时间（{_fmt(submitted_at)}），"
                "收到不能早于提交"
            )
        sent = f"；提交（寄出）于 {_fmt(submitted_at)}" if submitted_at else ""
        explanation = (
            f"收到日按渠道“{channel}”以{BASIS_ZH[rule.basis]}为准：{rule.label} "
            f"{_fmt(received_at)}{sent}（{rule.legal_source}）"
        )
        return Receipt(received_at, explanation)


def parse_receipt_rules(data: dict[str, object]) -> ReceiptRules:
    rules: dict[str, ReceiptRule] = {}
    for channel, section in data.items():
        if not isinstance(section, dict):
            raise ReceiptRuleError(f"[{channel}] 应为一段规则")
        unknown = set(section) - {"basis", "label", "legal_source"}
        if unknown:
            raise ReceiptRuleError(f"[{channel}] 不认识的字段：{'、'.join(sorted(unknown))}")
        basis = section.get("basis")
        if not isinstance(basis, str) or basis not in get_args(Basis):
            raise ReceiptRuleError(
                f"[{channel}] basis = {basis!r} 无效（应为 same_day/signed_for/confirmed）"
            )
        label, legal = section.get("label"), section.get("legal_source")
        if not isinstance(label, str) or not label.strip():
            raise ReceiptRuleError(f"[{channel}] 缺少 label")
        if not isinstance(legal, str) or not legal.strip():
            raise ReceiptRuleError(f"[{channel}] 缺少 legal_source")
        rules[channel.strip()] = ReceiptRule(
            channel.strip(), cast(Basis, basis), label.strip(), legal.strip()
        )
    if not rules:
        raise ReceiptRuleError("收到日期规则为空")
    return ReceiptRules(rules)


def load_receipt_rules(path: Path) -> ReceiptRules:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ReceiptRuleError(f"{path.name}：无法读取（{exc}）") from exc
    return parse_receipt_rules(data)


def _fmt(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
