"""`huiying sources check FILE`: validate a source file and try it on one list and one detail page."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import click


@click.group()
def sources() -> None:
    """采集来源配置（data/sources/*.toml）。"""


@sources.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--offline", is_flag=True, help="只检查配置文件，不访问网站。")
def check(file: Path, offline: bool) -> None:
    """检查来源配置 FILE：键名与取值严格校验，再抓取一个列表页和一个详情页，逐字段显示提取结果。"""
    from crawler.config.check import CHECK_PIPELINES
    from crawler.config.sources import SourceConfigError, load_source
    from crawler.running.process import run_crawl

    try:
        config = load_source(file.stem, file.parent)
    except SourceConfigError as exc:
        click.secho(f"配置有误：{exc}", fg="red")
        sys.exit(1)
    click.echo(f"配置有效：{config.slug}（{config.name}），列表 {config.list.url}")
    if offline:
        return
    with tempfile.TemporaryDirectory(prefix="huiying-check-") as tmp:
        output = Path(tmp) / "items.jsonl"
        summary = run_crawl(
            [config.slug],
            None,
            sources_dir=file.parent,
            log_dir=Path(tmp),
            settings={
                "HUIYING_CHECK": True,
                "HUIYING_CHECK_OUTPUT": str(output),
                "HUIYING_INCREMENTAL": False,
                "ITEM_PIPELINES": CHECK_PIPELINES,
            },
        )
        result = summary[config.slug]
        items = (
            [json.loads(line) for line in output.read_text("utf-8").splitlines()]
            if output.exists()
            else []
        )
        click.echo(f"抓取 {result.pages} 页")
        for item in items:
            click.echo(f"条目 {item.get('external_id')}（{item.get('url')}）")
            for problem in item.get("problems") or []:
                click.secho(f"  问题：{problem}", fg="yellow")
            extra = item.pop("extra", None) or {}
            for name, value in {**item, **extra}.items():
                if name in {"external_id", "url", "source", "item_type", "problems"} or value in (
                    None,
                    "",
                    {},
                    [],
                ):
                    continue
                text = str(value)
                click.echo(f"  {name}: {text[:200]}{'…' if len(text) > 200 else ''}")
        for rejection in result.rejections:
            click.secho(f"拒收 {rejection['url']}：{rejection['reason']}", fg="yellow")
        if not items:
            click.secho(f"没有提取到条目，日志：{Path(tmp) / 'crawl.log'}", fg="red")
            click.echo(Path(tmp, "crawl.log").read_text("utf-8")[-3000:], err=True)
            sys.exit(1)


@sources.command("check-data")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help="默认 data/。")
def check_data(data_dir: Path | None) -> None:
    """检查 data/ 下管理员编辑的 TOML 文件：不认识的键（含拼写错误）逐一报出。"""
    import tomllib

    from ledger.config.keys import UnknownKeyError, check_keys
    from ledger.config.schemas import DATA_FILES
    from ledger.settings import Settings

    base = data_dir or Settings.from_env().data_dir
    bad = 0
    for name, schema in DATA_FILES.items():
        path = base / name
        if not path.exists():
            continue
        try:
            check_keys(tomllib.loads(path.read_text("utf-8")), schema, str(path))
        except (UnknownKeyError, tomllib.TOMLDecodeError) as exc:
            click.secho(str(exc), fg="red")
            bad += 1
        else:
            click.echo(f"{path}：有效")
    if bad:
        sys.exit(1)
