"""`huiying train | predict | evaluate`: the 处室 router on any labelled CSV.

Text columns: with several --text-col the first is the title and the rest form the body; with one
it is the whole text (raw or already segmented, words separated by spaces).
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path
from typing import NoReturn

import click


def _fail(message: str) -> NoReturn:
    click.echo(f"错误 / error: {message}", err=True)
    raise SystemExit(2)


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Rows of a CSV file (UTF-8, UTF-8 with BOM, or GB18030 as saved by Excel)."""
    csv.field_size_limit(sys.maxsize)
    last_error: Exception | None = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            with open(path, encoding=encoding, newline="") as fh:
                reader = csv.DictReader(fh)
                rows = list(reader)
                return list(reader.fieldnames or []), rows
        except UnicodeDecodeError as exc:
            last_error = exc
        except (csv.Error, OSError) as exc:
            _fail(f"无法读取 CSV 文件 {path}：{exc}。请确认它是带表头的 CSV 文件 (UTF-8 或 GBK)。")
    _fail(f"无法识别 {path} 的编码 ({last_error})：请另存为 UTF-8 CSV。")


def _load(path: Path, text_cols: tuple[str, ...], label_col: str | None):
    if not text_cols:
        _fail("请至少给出一个 --text-col（文本列名）。")
    fields, rows = _read_csv(path)
    if not fields or not rows:
        _fail(f"{path} 是空文件或只有表头：需要带表头、至少一行数据的 CSV。")
    wanted = [*text_cols, *([label_col] if label_col else [])]
    missing = [c for c in wanted if c not in fields]
    if missing:
        _fail(
            f"{path} 中没有列 {', '.join(missing)}。现有列：{', '.join(fields)}。请用 --text-col/--label-col 指定正确的列名。"
        )
    if len(text_cols) == 1:
        titles = None
        bodies = [row[text_cols[0]] or "" for row in rows]
    else:
        titles = [row[text_cols[0]] or "" for row in rows]
        bodies = ["\n".join(row[c] or "" for c in text_cols[1:]) for row in rows]
    labels = [(row[label_col] or "").strip() for row in rows] if label_col else None
    return fields, rows, titles, bodies, labels


def _open_model(path: Path):
    from classifier.routing.card import ModelFileError, ModelVersionMismatch
    from classifier.routing.model import load_router

    if not path.is_file():
        _fail(f"模型文件 {path} 不存在：请先运行 `huiying train --out {path}`。")
    try:
        return load_router(path)
    except (ModelVersionMismatch, ModelFileError) as exc:
        _fail(str(exc))


def _quiet() -> None:
    from classifier.words.text import quiet_jieba

    quiet_jieba()


text_col_option = click.option(
    "--text-col",
    "text_cols",
    multiple=True,
    help="文本列（可多次给出：第一个为标题，其余为正文）。",
)


@click.command()
@click.option("--data", "data", type=click.Path(path_type=Path), help="带标签的 CSV 文件。")
@text_col_option
@click.option("--label-col", help="标签列（处室代码）。")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="模型保存位置（用 --data 训练时必填；从台账训练时写入实例目录的分办模型）。",
)
@click.option(
    "--if-missing", is_flag=True, help="从台账训练时：已有分办模型就不重新训练（make run 用）。"
)
@click.option("--c", "c_value", type=float, default=1.0, show_default=True, help="LinearSVC 的 C。")
@click.option(
    "--target-precision",
    type=float,
    default=0.95,
    show_default=True,
    help="自动分办的目标正确率：据此在验证集上确定置信度阈值。",
)
def train(data, text_cols, label_col, out, if_missing, c_value, target_precision):
    """训练分办模型：不带 --data 时用种子语料加台账中人工确认/改派的分办重新训练；
    带 --data 时用任意带标签的 CSV 训练 (train the 处室 router)."""
    if data is None:
        _train_from_ledger(if_missing)
        return
    if out is None:
        _fail("用 --data 训练时请用 --out 指定模型文件（不会覆盖台账正在使用的分办模型）。")
    if not label_col:
        _fail("请用 --label-col 指定标签列。")
    _quiet()
    from classifier.routing.model import TrainConfig, train_from_examples

    _, _, titles, bodies, labels = _load(data, text_cols, label_col)
    keep = [i for i, label in enumerate(labels) if label]
    if len(keep) < len(labels):
        click.echo(f"跳过 {len(labels) - len(keep)} 行没有标签的数据。")
    titles = None if titles is None else [titles[i] for i in keep]
    bodies = [bodies[i] for i in keep]
    labels = [labels[i] for i in keep]
    counts = Counter(labels)
    click.echo(f"读取 {len(labels)} 条样本，{len(counts)} 个类别：")
    for label, n in counts.most_common():
        click.echo(f"  {label}: {n}")
    config = TrainConfig(C=c_value, target_precision=target_precision)
    try:
        router = train_from_examples(titles, bodies, labels, config=config, progress=click.echo)
    except ValueError as exc:
        _fail(f"{exc}（请检查标签列，每个类别至少要有几条样本）")
    path = router.save(out)
    m = router.card.metrics
    click.echo("")
    click.echo("训练完成 (summary)")
    click.echo(
        f"  验证集宏平均 F1: {m['validation_macro_f1']:.4f}   准确率: {m['validation_accuracy']:.4f}"
    )
    click.echo(
        f"  自动分办阈值: {router.threshold:.3f}（验证集上自动分办 {m['auto_route_coverage']:.0%}，"
        f"正确率 {m['auto_route_precision'] or 0:.1%}）"
    )
    click.echo(f"  训练用时: {m['train_seconds']} 秒")
    click.echo(f"  模型已保存: {path}（说明卡: {path.name}.card.json）")


def _train_from_ledger(if_missing: bool) -> None:
    _quiet()
    from ledger.db import make_engine, make_session_factory
    from ledger.intake.model.training import retrain
    from ledger.settings import Settings

    settings = Settings.from_env()
    if if_missing and settings.model_path.exists():
        click.echo(f"已有分办模型：{settings.model_path}（要重新训练请运行 huiying train）")
        return
    from sqlalchemy.exc import OperationalError, ProgrammingError

    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            report = retrain(session, settings, progress=click.echo)
    except (OperationalError, ProgrammingError) as exc:
        _fail(f"读取台账失败（{exc.orig}）：数据库尚未初始化？请先运行 huiying init-db。")
    finally:
        engine.dispose()
    click.echo("")
    click.echo("训练完成 (summary)")
    click.echo(
        f"  样本：种子语料 {report.seed_examples} 条 + 台账确认的分办 {report.ledger_examples} 条"
    )
    if report.before_macro_f1 is not None:
        click.echo(
            f"  留出的 {report.held_out} 条确认分办上：仅种子语料 F1 {report.before_macro_f1:.3f} → "
            f"新模型 F1 {report.after_macro_f1:.3f}"
        )
    else:
        click.echo("  台账确认的分办不足 20 条，不做前后对比（仅报告验证集指标）")
    click.echo(
        f"  验证集宏平均 F1 {report.validation_macro_f1:.3f}；自动分办阈值 {report.threshold:.3f}"
    )
    click.echo(f"  模型已保存：{report.path}")


@click.command()
@click.option("--model", "model_path", type=click.Path(path_type=Path), required=True)
@click.option("--data", type=click.Path(path_type=Path), required=True)
@text_col_option
@click.option("--out", type=click.Path(path_type=Path), required=True, help="输出 CSV。")
def predict(model_path, data, text_cols, out):
    """为 CSV 中每条留言预测承办处室 (adds predicted_label, confidence, top3, auto_route)."""
    _quiet()
    router = _open_model(model_path)
    fields, rows, titles, bodies, _ = _load(data, text_cols, None)
    predictions = router.predict(titles, bodies)
    extra = ["predicted_label", "confidence", "top3", "auto_route"]
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*fields, *[c for c in extra if c not in fields]])
        writer.writeheader()
        for row, p in zip(rows, predictions, strict=True):
            row.update(
                predicted_label=p.label,
                confidence=f"{p.confidence:.4f}",
                top3="; ".join(f"{label}:{prob:.3f}" for label, prob in p.top3),
                auto_route="true" if p.auto_route else "false",
            )
            writer.writerow(row)
    routed = sum(p.auto_route for p in predictions)
    click.echo(
        f"已预测 {len(predictions)} 条，其中 {routed} 条可自动分办（阈值 {router.threshold:.3f}），"
        f"其余转人工分办。结果: {out}"
    )


@click.command()
@click.option("--model", "model_path", type=click.Path(path_type=Path), required=True)
@click.option("--data", type=click.Path(path_type=Path), required=True)
@text_col_option
@click.option("--label-col", required=True)
def evaluate(model_path, data, text_cols, label_col):
    """在带标签的 CSV 上评估模型 (macro-F1, per-class report, confusion matrix)."""
    _quiet()
    from classifier.routing.evaluation import evaluate_router, format_evaluation

    router = _open_model(model_path)
    _, _, titles, bodies, labels = _load(data, text_cols, label_col)
    click.echo(format_evaluation(evaluate_router(router, titles, bodies, labels)))
