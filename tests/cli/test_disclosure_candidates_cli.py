"""`huiying disclosure-candidates` on a CSV: repeated questions become candidates, complaints never do,
personal data is masked in the JSON and on screen, a missing column is named."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner

from huiying.cli import main

HEADER = ["id", "user", "title", "body", "reply"]
REPLY = "您好，专精特新中小企业认定条件见省工信厅2026年第5号公告，申报材料包括营业执照、研发费用专项审计报告等。"
ROWS = [
    ["1", "u1", "咨询专精特新中小企业认定条件", "请问专精特新认定条件是什么？", REPLY],
    ["2", "u2", "请问专精特新认定需要哪些申报材料13912345678", "专精特新认定申报材料有哪些？", ""],
    ["3", "u3", "专精特新中小企业认定条件咨询", "想了解专精特新认定的条件和流程。", REPLY],
    ["4", "u4", "投诉某厂噪音扰民", "某厂夜间噪音扰民，严重影响休息，要求查处。", ""],
    ["5", "u5", "举报某厂噪音扰民污染", "某厂噪音扰民又污染，投诉多次无人查处。", ""],
    ["6", "u6", "投诉某厂夜间噪音扰民", "某厂夜里噪音扰民，违规生产。", ""],
]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["disclosure-candidates", *args])


def test_repeated_questions_are_candidates_and_complaints_are_not(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "m.csv", ROWS)
    out = tmp_path / "c.json"
    result = invoke(
        "--data", str(data), "--id-col", "id", "--text-col", "title", "--text-col", "body",
        "--user-col", "user", "--reply-col", "reply", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text(encoding="utf-8"))
    assert payload["used"] == 6 and payload["information_requests"] == 3
    [candidate] = payload["candidates"]
    assert sorted(candidate["member_ids"]) == ["1", "2", "3"]
    assert candidate["senders"] == 3 and candidate["replied"] == 2
    assert "专精特新" in candidate["suggested_title"]
    assert candidate["answer_excerpt"].startswith("您好，专精特新")
    shown = out.read_text(encoding="utf-8") + result.output
    assert "13912345678" not in shown and "139****5678" in shown
    assert "输出 1 条公开建议" in result.output


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "m.csv", ROWS)
    result = invoke(
        "--data", str(data), "--id-col", "id", "--text-col", "title", "--reply-col", "answer",
        "--out", str(tmp_path / "c.json"),
    )  # fmt: skip
    assert result.exit_code != 0
    assert "没有列：answer" in result.output and "reply" in result.output


def test_no_repeated_question_is_an_honest_empty_list(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "m.csv", ROWS[3:])
    out = tmp_path / "c.json"
    result = invoke(
        "--data", str(data), "--id-col", "id", "--text-col", "title", "--text-col", "body",
        "--user-col", "user", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["candidates"] == []
    assert "没有至少 2 个不同的人问过" in result.output
