"""`huiying train / predict / evaluate` round trip on a small CSV, and error handling."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from classifier.routing.seed import load_seed_corpus
from huiying.commands.routing.classify import evaluate, predict, train

CODES = {"sme", "operation", "chemical", "not_ours", "radio"}


@pytest.fixture()
def small_csv(tmp_path):
    path = tmp_path / "items.csv"
    examples = [e for e in load_seed_corpus() if e.department_code in CODES]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["标题", "内容", "处室"])
        writer.writerows((e.title, e.body, e.department_code) for e in examples)
    return path


def test_train_predict_evaluate_round_trip(small_csv, tmp_path):
    runner = CliRunner()
    model = tmp_path / "m" / "router.joblib"
    cols = ["--text-col", "标题", "--text-col", "内容"]
    result = runner.invoke(
        train, ["--data", str(small_csv), *cols, "--label-col", "处室", "--out", str(model)]
    )
    assert result.exit_code == 0, result.output
    assert "验证集宏平均 F1" in result.output and model.is_file()

    out = tmp_path / "pred.csv"
    result = runner.invoke(
        predict, ["--model", str(model), "--data", str(small_csv), *cols, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {"predicted_label", "confidence", "top3", "auto_route"} <= set(rows[0])
    assert all(r["predicted_label"] in CODES for r in rows)
    assert {r["auto_route"] for r in rows} <= {"true", "false"}

    result = runner.invoke(
        evaluate, ["--model", str(model), "--data", str(small_csv), *cols, "--label-col", "处室"]
    )
    assert result.exit_code == 0, result.output
    assert "宏平均 F1" in result.output and "混淆矩阵" in result.output


def test_missing_column_exits_2_with_advice(small_csv, tmp_path):
    result = CliRunner().invoke(
        train,
        [
            "--data",
            str(small_csv),
            "--text-col",
            "正文",
            "--label-col",
            "处室",
            "--out",
            str(tmp_path / "m.joblib"),
        ],
    )
    assert result.exit_code == 2
    assert "正文" in result.output and "现有列" in result.output


def test_empty_file_exits_2(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    result = CliRunner().invoke(
        train,
        [
            "--data",
            str(empty),
            "--text-col",
            "a",
            "--label-col",
            "b",
            "--out",
            str(tmp_path / "m.joblib"),
        ],
    )
    assert result.exit_code == 2 and "空文件" in result.output


def test_train_with_data_needs_out(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("text,label\n甲,a\n乙,b\n", encoding="utf-8")
    result = CliRunner().invoke(
        train, ["--data", str(data), "--text-col", "text", "--label-col", "label"]
    )
    assert result.exit_code == 2 and "--out" in result.output
