"""Reading a CSV for the analysis commands: what was read and skipped is said, an unusable file fails."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from analysis.csv_input import CsvColumns, CsvRead

SHOWN_SKIPS = 10


def read_or_fail(path: Path, cols: CsvColumns) -> CsvRead:
    """The CSV's messages; the counts and the first skipped rows (with reasons) on stderr."""
    from analysis.csv_input import CsvInputError, read_messages

    try:
        read = read_messages(path, cols)
    except CsvInputError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"读入 {read.rows} 行：可用 {len(read.messages)} 条，跳过 {len(read.skipped)} 行", err=True
    )
    for rowno, reason in read.skipped[:SHOWN_SKIPS]:
        click.echo(f"  跳过第 {rowno} 行：{reason}", err=True)
    if len(read.skipped) > SHOWN_SKIPS:
        click.echo(f"  ……另有 {len(read.skipped) - SHOWN_SKIPS} 行被跳过", err=True)
    if not read.messages:
        raise click.ClickException("没有可分析的行：请检查列名与文件内容。")
    return read
