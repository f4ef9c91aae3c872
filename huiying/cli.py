"""Entry point of the `huiying` command. Each subcommand lives in huiying/commands/ (grouped: analysis/, routing/, demo/).

Subcommands are imported lazily so that `huiying deadline` does not pay for Scrapy or scikit-learn.
"""

from __future__ import annotations

import importlib
import logging

import click

from ledger.masking import mask_logs

# command name -> "module:attribute"
COMMANDS: dict[str, str] = {
    "init-db": "huiying.commands.database:init_db",
    "deadline": "huiying.commands.deadline:deadline",
    "demo-history": "huiying.commands.demo.demo_history:demo_history",
    "crawl": "huiying.commands.crawl:crawl",
    "sources": "huiying.commands.sources:sources",
    "demo-portal": "huiying.commands.crawl:demo_portal",
    "train": "huiying.commands.routing.classify:train",
    "predict": "huiying.commands.routing.classify:predict",
    "evaluate": "huiying.commands.routing.classify:evaluate",
    "route": "huiying.commands.routing.route:route",
    "hot-topics": "huiying.commands.analysis.hot_topics:hot_topics",
    "disclosure-candidates": "huiying.commands.analysis.disclosure_candidates:disclosure_candidates",
    "report": "huiying.commands.analysis.report:report",
    "model": "huiying.commands.routing.model:model",
    "remind": "huiying.commands.remind:remind",
    "serve": "huiying.commands.serve:serve",
    "run": "huiying.commands.run:run",
    "demo-data": "huiying.commands.demo.demo_data:demo_data",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            return None  # command not built yet
        return getattr(module, attr)


@click.group(
    cls=LazyGroup, help="huiying 回应台账：留言/信箱/12345 工单的受理、分办、办理时限与分析。"
)
def main() -> None:
    # Library warnings (e.g. "no routing model yet, training one") reach the terminal as plain lines.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    mask_logs()
