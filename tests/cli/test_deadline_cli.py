"""`huiying deadline` through click's CliRunner (offline; default data/ folder of the repo)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from huiying.cli import main

REPO_DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("HUIYING_DATA_DIR", raising=False)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, ["deadline", *args])

    return invoke


@pytest.mark.parametrize(
    ("item_type", "received", "due"),
    [
        ("12345", "2026-09-25T10:00", "2026-10-09"),
        ("12345", "2026-02-11", "2026-02-25"),
        ("依申请公开", "2026-09-25", "2026-10-29"),
        ("foi_request", "2026-09-25", "2026-10-29"),
    ],
)
def test_examples(run, item_type: str, received: str, due: str) -> None:
    result = run("--type", item_type, "--received", received)
    assert result.exit_code == 0, result.output
    assert f"办理期限 {due} 23:59:59（北京时间）" in result.output
    assert "收到当日为第0日" in result.output
    assert "警告" not in result.output


def test_into_2027_warns_but_succeeds(run) -> None:
    result = run("--type", "依申请公开", "--received", "2026-12-20")
    assert result.exit_code == 0, result.output
    assert "办理期限 2027-01-15" in result.output
    assert "2027 年节假日未载入" in result.output
    assert "请管理员补充节假日文件" in result.output


def test_all_staff_aliases_are_accepted(run) -> None:
    for alias in ["12345", "留言板", "领导信箱", "依申请公开", "建议提案", "舆情"]:
        result = run("--type", alias, "--received", "2026-05-06T09:30")
        assert result.exit_code == 0, (alias, result.output)


def test_unknown_type_exits_2_with_the_accepted_names(run) -> None:
    result = run("--type", "投诉箱", "--received", "2026-09-25")
    assert result.exit_code == 2
    assert "未知的事项类型「投诉箱」" in result.output
    assert "依申请公开" in result.output and "--type" in result.output


@pytest.mark.parametrize("bad", ["2026-13-01", "昨天", "2026/09/25"])
def test_bad_date_exits_2(run, bad: str) -> None:
    result = run("--type", "12345", "--received", bad)
    assert result.exit_code == 2
    assert f"「{bad}」不是有效的日期或时间" in result.output
    assert "2026-09-25T10:00" in result.output


def test_pause_and_extension(run) -> None:
    result = run(
        "--type",
        "依申请公开",
        "--received",
        "2026-09-25",
        "--pause",
        "2026-10-12,2026-10-20",
        "--extend",
        "25",
    )
    assert result.exit_code == 0, result.output
    assert "不计入 6 个工作日" in result.output
    assert "超过规则上限 20 个工作日" in result.output
    assert "办理期限 2026-12-04" in result.output


def test_pause_end_before_start_exits_2(run) -> None:
    result = run(
        "--type", "依申请公开", "--received", "2026-09-25", "--pause", "2026-10-20,2026-10-12"
    )
    assert result.exit_code == 2
    assert "结束早于开始" in result.output


def test_offset_datetime_and_hours(run) -> None:
    result = run("--type", "舆情", "--received", "2026-09-30T12:30:00+00:00")
    assert result.exit_code == 0, result.output
    assert "办理期限 2026-10-02 20:30:00" in result.output


def test_holidays_dir_and_env_var(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    holidays = tmp_path / "holidays"
    holidays.mkdir()
    (holidays / "2027.toml").write_text(
        '[[holidays]]\nname = "元旦"\nstart = 2027-01-01\nend = 2027-01-03\n', encoding="utf-8"
    )
    result = run("--type", "依申请公开", "--received", "2026-12-20", "--holidays", str(holidays))
    assert result.exit_code == 0, result.output
    assert "办理期限 2027-01-18" in result.output and "警告" not in result.output

    (tmp_path / "deadline_rules.toml").write_text(
        (REPO_DATA / "deadline_rules.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    monkeypatch.setenv("HUIYING_DATA_DIR", str(tmp_path))
    result = run("--type", "依申请公开", "--received", "2026-12-20")
    assert "办理期限 2027-01-18" in result.output


def test_broken_holiday_file_exits_1_with_message(run, tmp_path: Path) -> None:
    (tmp_path / "2027.toml").write_text("[[workdays]]\ndate = 2027-01-04\n", encoding="utf-8")
    result = run("--type", "12345", "--received", "2026-12-28", "--holidays", str(tmp_path))
    assert result.exit_code == 1
    assert "2027.toml 第 1 行" in result.output and "本来就是工作日" in result.output
