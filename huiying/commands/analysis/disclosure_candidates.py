"""`huiying disclosure-candidates`: 依申请→主动公开 candidates on any CSV (the department's own history of
answered questions, benchmark data) — the same finding as the analysis page's, without a ledger."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from huiying.commands.analysis.csv_reading import read_or_fail


@click.command("disclosure-candidates")
@click.option(
    "--data", "data_path", required=True, type=click.Path(path_type=Path), help="CSV 文件"
)
@click.option("--id-col", required=True, help="编号列")
@click.option(
    "--text-col", "text_cols", required=True, multiple=True, help="文本列（可多次；第一列作标题）"
)
@click.option("--user-col", default=None, help="发送人列（按不同的人计数）")
@click.option("--time-col", default=None, help="时间列（无时区按北京时间）")
@click.option("--reply-col", default=None, help="已有答复列（判断答案是否已经写过）")
@click.option("--department-col", default=None, help="承办处室列")
@click.option("--kind-col", default=None, help="诉求类型列（咨询/投诉……）")
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=1), help="输出前几名")
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path), help="输出 JSON")
def disclosure_candidates(
    data_path: Path,
    id_col: str,
    text_cols: tuple[str, ...],
    user_col: str | None,
    time_col: str | None,
    reply_col: str | None,
    department_col: str | None,
    kind_col: str | None,
    top: int,
    out_path: Path,
) -> None:
    """找出反复被问到的信息类询问（依申请→主动公开建议），写出 JSON，打印列表。"""
    from analysis.csv_input import CsvColumns
    from analysis.monthly.candidates import find_candidates, is_information_request
    from classifier.words.userdict import quiet_jieba
    from ledger.masking import mask_personal_data

    quiet_jieba()
    started = time.perf_counter()
    cols = CsvColumns(
        id=id_col,
        text=list(text_cols),
        user=user_col,
        time=time_col,
        reply=reply_col,
        department=department_col,
        kind=kind_col,
    )
    read = read_or_fail(data_path, cols)

    requests = sum(1 for m in read.messages if is_information_request(m))
    click.echo(f"其中信息类询问 {requests} 条，正在分组……", err=True)
    candidates = find_candidates(read.messages, limit=top)
    # Titles and replies are citizens' own words: phones and ID numbers masked, as on every page.
    rows = [
        {
            "rank": rank,
            "suggested_title": c.suggested_title,
            "disclosure_kind": c.disclosure_kind,
            "size": c.size,
            "senders": c.senders,
            "department": c.department,
            "replied": c.replied,
            "answer_excerpt": mask_personal_data(c.answer_excerpt) if c.answer_excerpt else None,
            "keywords": c.keywords,
            "places": c.places,
            "member_ids": c.member_ids,
            "representative_id": c.representative_id,
            "member_titles": [mask_personal_data(t) for t in c.member_titles],
        }
        for rank, c in enumerate(candidates, start=1)
    ]
    payload = {
        "source": str(data_path),
        "rows": read.rows,
        "used": len(read.messages),
        "skipped": len(read.skipped),
        "information_requests": requests,
        "candidates": rows,
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    for rank, c in enumerate(candidates, start=1):
        titles = "；".join(mask_personal_data(t)[:24] for t in c.member_titles[:3])
        click.echo(
            f"{rank:>3}  {c.suggested_title}  {c.size} 条 / {c.senders} 人  "
            f"已有答复 {c.replied}  处室 {c.department or '待定'}  例：{titles}"
        )
    click.echo(
        f"共 {len(read.messages)} 条（跳过 {len(read.skipped)} 行），信息类询问 {requests} 条，"
        f"输出 {len(rows)} 条公开建议到 {out_path}，用时 {time.perf_counter() - started:.1f} 秒。"
    )
    if not rows:  # an honest result, not a failure
        click.echo("没有至少 2 个不同的人问过的同一信息类询问。", err=True)
