"""The month's analysis and Word report on a real ledger (both backends): read back with python-docx."""

from __future__ import annotations

import importlib.util
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook

from analysis.monthly.month import analyse_month
from analysis.monthly.report import write_docx, write_xlsx
from huiying.cli import main
from ledger.db import make_engine, make_session_factory

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)


def _demo():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "analysis_demo", Path(__file__).resolve().parents[1] / "analysis_demo.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def demo_url(module_database_url: str) -> str:
    demo = _demo()
    engine = make_engine(module_database_url)
    with make_session_factory(engine).begin() as session:
        assert demo.load_demo_month(session, demo.settings_for(module_database_url)) > 80
    engine.dispose()
    return module_database_url


def test_month_figures(demo_url: str) -> None:
    engine = make_engine(demo_url)
    with make_session_factory(engine)() as session:
        a = analyse_month(session, None, date(2026, 10, 1), now=NOW)
    engine.dispose()
    assert a.total > 20 and a.previous_total > 20
    assert sum(n for _, n in a.channels) == a.total
    assert {c for c, _ in a.channels} <= {"留言板", "12345"}
    assert sum(d.received for d in a.departments) == a.total
    assert all(d.on_time + d.late + d.pending <= d.received for d in a.departments)
    assert a.topics and a.topics[0].rank == 1 and a.topics[0].size >= 2
    assert all(t.start and t.start >= a.start for t in a.topics), "topics count this month only"
    assert a.weekly[1] and sum(a.weekly[1]) >= a.topics[0].size
    assert all(o.due_at < NOW for o in a.overdue)


def test_word_report_reads_back(demo_url: str, tmp_path: Path) -> None:
    out = tmp_path / "2026-10.docx"
    env = {"HUIYING_DATABASE_URL": demo_url}
    result = CliRunner().invoke(main, ["report", "--month", "2026-10", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    doc = Document(str(out))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == "2026年10月 舆情回应与依申请公开分析报告"
    for h in (
        "一、总体情况",
        "二、各处室办理情况",
        "三、超期未办结事项",
        "四、热点话题",
        "五、依申请公开转主动公开建议",
    ):
        assert h in headings
    assert len(doc.tables) >= 4
    assert doc.tables[0].rows[0].cells[0].text == "来源渠道"
    assert len(doc.inline_shapes) == 3, "charts: channels, on-time rate, topics"
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "热度 = 3·ln(1+有效条数)" in text
    wb = load_workbook(out.with_suffix(".xlsx"))
    assert wb.sheetnames == ["渠道", "处室", "超期事项", "热点话题", "公开建议"]
    assert wb["热点话题"].max_row >= 2


def test_no_phone_numbers_in_the_report(demo_url: str, tmp_path: Path) -> None:
    import re

    engine = make_engine(demo_url)
    with make_session_factory(engine)() as session:
        a = analyse_month(session, None, date(2026, 10, 1), now=NOW)
    engine.dispose()
    write_docx(a, tmp_path / "r.docx", generated_at=NOW)
    write_xlsx(a, tmp_path / "r.xlsx")
    doc = Document(str(tmp_path / "r.docx"))
    cells = " ".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert not re.search(r"1[3-9]\d{9}", cells), "phone numbers are masked in every export"


def test_month_without_items_gives_short_honest_report(demo_url: str, tmp_path: Path) -> None:
    out = tmp_path / "2025-01.docx"
    result = CliRunner().invoke(
        main,
        ["report", "--month", "2025-01", "--out", str(out)],
        env={"HUIYING_DATABASE_URL": demo_url},
    )
    assert result.exit_code == 0, result.output
    assert "收到 0 条" in result.output
    doc = Document(str(out))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "本月台账中没有收到事项" in text
    assert len(doc.inline_shapes) == 0


def test_bad_month_is_refused() -> None:
    result = CliRunner().invoke(main, ["report", "--month", "2026/10", "--out", "x.docx"])
    assert result.exit_code != 0 and "YYYY-MM" in result.output
