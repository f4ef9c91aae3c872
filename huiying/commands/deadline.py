"""`huiying deadline`: compute one deadline from the rules and holiday files and explain it."""

from __future__ import annotations

import os
from datetime import date, datetime, time
from pathlib import Path
from typing import NoReturn

import click

from ledger.clock.calendar import HolidayFileError, WorkingCalendar
from ledger.clock.deadlines import (
    SHANGHAI,
    ClockEvent,
    RuleFileError,
    UnknownItemType,
    compute_deadline,
    load_rules,
)

DATE_HINT = "请写成 2026-09-25 或 2026-09-25T10:00（无时区的按北京时间理解）"


def data_dir() -> Path:
    """HUIYING_DATA_DIR, else the repository's data/ folder."""
    configured = os.environ.get("HUIYING_DATA_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "data"


def parse_moment(text: str, what: str) -> datetime:
    """ISO date or datetime; naive values are Asia/Shanghai, a bare date is 00:00 that day."""
    value = text.strip()
    try:
        if len(value) == 10:
            moment = datetime.combine(date.fromisoformat(value), time(0))
        else:
            moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.UsageError(
            f"{what} 的值「{text}」不是有效的日期或时间；{DATE_HINT}。"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def _fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"错误：{message}", err=True)
    raise SystemExit(code)


@click.command("deadline", help="按时限规则计算办理期限，并说明计算过程（收到当日为第0日）。")
@click.option(
    "--type",
    "item_type",
    required=True,
    help="事项类型：12345、留言板、领导信箱、依申请公开、建议提案、舆情…",
)
@click.option(
    "--received", required=True, help="收到时间：2026-09-25 或 2026-09-25T10:00（北京时间）"
)
@click.option(
    "--pause",
    "pauses",
    multiple=True,
    metavar="START,END",
    help="暂停计时区间（可多次）；只写 START 表示尚未恢复",
)
@click.option("--extend", type=click.IntRange(min=1), help="批准延期的数量（单位同规则）")
@click.option("--restart", help="补正后重新起算的日期（仅适用于可重新起算的类型）")
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="时限规则文件",
)
@click.option(
    "--holidays",
    "holidays_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="节假日目录",
)
def deadline(
    item_type: str,
    received: str,
    pauses: tuple[str, ...],
    extend: int | None,
    restart: str | None,
    rules_path: Path | None,
    holidays_dir: Path | None,
) -> None:
    base = data_dir()
    try:
        book = load_rules(rules_path or base / "deadline_rules.toml")
        calendar = WorkingCalendar.from_dir(holidays_dir or base / "holidays")
    except (RuleFileError, HolidayFileError) as exc:
        _fail(f"{exc}", code=1)
    try:
        rule = book.get(item_type)
    except UnknownItemType as exc:
        _fail(f"{exc}。请用 --type 指定其中之一。")
    try:
        received_at = parse_moment(received, "--received")
        events = []
        for spec in pauses:
            start, _, end = spec.partition(",")
            paused = parse_moment(start, "--pause 开始")
            events.append(ClockEvent("pause", paused, reason="暂停"))
            if end.strip():
                resumed = parse_moment(end, "--pause 结束")
                if resumed < paused:
                    raise click.UsageError(f"--pause {spec} 的结束早于开始；请写成 开始,结束。")
                events.append(ClockEvent("resume", resumed))
        if extend:
            events.append(ClockEvent("extend", received_at, amount=extend, reason="命令行指定"))
        if restart:
            events.append(ClockEvent("restart", parse_moment(restart, "--restart"), reason="补正"))
    except click.UsageError as exc:
        _fail(exc.message)
    result = compute_deadline(rule, received_at, calendar, events)
    due = result.due_at.astimezone(SHANGHAI)
    click.echo(f"{rule.name}：办理期限 {due:%Y-%m-%d %H:%M:%S}（北京时间）")
    for line in result.explain():
        click.echo(f"  {line}")
