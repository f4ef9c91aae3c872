"""`huiying hot-topics` on CSV files: JSON shape, ranked table, bad input named by column and row."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from huiying.cli import main

DATA = (
    Path(os.environ.get("HUIYING_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared/data"))
    / "teddycup2020"
)
HEADER = ["id", "user", "title", "posted_at", "body", "likes"]
ROWS = [
    [
        "1",
        "u1",
        "丽发新城小区附近搅拌站噪音扰民",
        "2026-10-01T09:00",
        "丽发新城旁边的搅拌站昼夜施工。",
        "3",
    ],
    [
        "2",
        "u2",
        "投诉丽发新城搅拌站粉尘污染",
        "2026-10-02T10:00",
        "丽发新城小区外搅拌站粉尘飘进家里。",
        "0",
    ],
    [
        "3",
        "u3",
        "丽发新城居民区违建搅拌站谁来管",
        "2026-10-03 11:00",
        "丽发新城附近违规建设搅拌站。",
        "",
    ],
    ["4", "u4", "咨询专精特新认定条件", "2026/10/04 08:00", "请问认定条件？", "1"],
]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["hot-topics", *args])


def args_for(data: Path, out: Path, *extra: str) -> list[str]:
    return [
        "--data", str(data), "--id-col", "id", "--text-col", "title", "--text-col", "body",
        "--likes-col", "likes", "--user-col", "user", "--time-col", "posted_at", "--out", str(out),
        *extra,
    ]  # fmt: skip


def test_writes_ranked_topics_as_json(tmp_path: Path) -> None:
    out = tmp_path / "topics.json"
    result = invoke(*args_for(write_csv(tmp_path / "m.csv", ROWS), out))
    assert result.exit_code == 0, result.output
    topics = json.loads(out.read_text("utf-8"))["topics"]
    top = topics[0]
    assert {"rank", "hotness", "keywords", "places", "start", "end", "size", "member_ids",
            "representative_id"} <= set(top)  # fmt: skip
    assert top["rank"] == 1 and sorted(top["member_ids"]) == ["1", "2", "3"]
    assert top["representative_id"] in top["member_ids"]
    assert any("丽发新城" in p for p in top["places"])
    assert top["start"].startswith("2026-10-01") and top["end"].startswith("2026-10-03")
    assert "排名" in result.output and "丽发" in result.output


def test_missing_column_is_named(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "m.csv", [r[:5] for r in ROWS], HEADER[:5])
    result = invoke(*args_for(data, tmp_path / "o.json"))
    assert result.exit_code != 0
    assert "likes" in result.output and "没有列" in result.output
    assert not (tmp_path / "o.json").exists()


def test_bad_rows_are_skipped_counted_and_named(tmp_path: Path) -> None:
    bad = [
        ["5", "u5", "", "2026-10-05T09:00", "", "0"],  # empty texts
        ["6", "u6", "标题", "十月五日", "正文", "0"],  # unparseable time
        ["7", "u7", "标题", "2026-10-05T09:00", "正文", "很多"],  # unparseable likes
        ["1", "u1", "重复编号", "2026-10-05T09:00", "正文", "0"],  # duplicate id
    ]
    out = tmp_path / "o.json"
    result = invoke(*args_for(write_csv(tmp_path / "m.csv", ROWS + bad), out))
    assert result.exit_code == 0, result.output
    assert "跳过 4 行" in result.output
    assert "第 6 行" in result.output and "title、body 均为空" in result.output
    assert "第 7 行" in result.output and "posted_at" in result.output
    assert "第 8 行" in result.output and "likes" in result.output
    assert "第 9 行" in result.output and "重复" in result.output
    payload = json.loads(out.read_text("utf-8"))
    assert payload["skipped"] == 4 and payload["used"] == 4


def test_nothing_usable_fails_clearly(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "m.csv", [["1", "u", "", "2026-10-01", "", "0"]])
    result = invoke(*args_for(data, tmp_path / "o.json"))
    assert result.exit_code != 0 and "没有可分析的行" in result.output


def test_missing_file_fails_clearly(tmp_path: Path) -> None:
    result = invoke(*args_for(tmp_path / "nope.csv", tmp_path / "o.json"))
    assert result.exit_code != 0 and "找不到文件" in result.output


@pytest.mark.slow
@pytest.mark.skipif(
    not (DATA / "hot_messages.csv").is_file(), reason=f"Teddy Cup data not found at {DATA}"
)
def test_teddycup_hot_messages_top_topics(tmp_path: Path) -> None:
    """The big recurring issues of the real data come out whole, each as one topic."""
    out = tmp_path / "topics.json"
    result = invoke(*args_for(DATA / "hot_messages.csv", out, "--top", "10"))
    assert result.exit_code == 0, result.output
    topics = json.loads(out.read_text("utf-8"))["topics"]
    with (DATA / "hot_messages.csv").open(encoding="utf-8") as fh:
        text = {r["id"]: r["title"] + r["body"] for r in csv.DictReader(fh)}

    def topic_of(marker: str) -> list[dict]:
        return [
            t for t in topics if sum(marker in text[i] for i in t["member_ids"]) * 2 > t["size"]
        ]

    for marker, at_least in (("丽发新城", 40), ("伊景园", 40), ("58车贷", 10)):
        found = topic_of(marker)
        assert len(found) == 1, f"{marker}: one topic in the top 10, got {len(found)}"
        assert found[0]["size"] >= at_least
