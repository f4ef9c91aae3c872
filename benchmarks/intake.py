"""Intake benchmark: N made-up records into a fresh ledger, in batches and one by one (a batch of
one each), with routing, deadlines, audit and source replies. Prints a markdown table.

    .venv/bin/python benchmarks/intake.py [--database-url URL] [--records 400] [--batch 100]

Without --database-url a temporary SQLite file is used (PostgreSQL: pass an empty database URL).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ledger.db import make_engine, make_session_factory  # noqa: E402
from ledger.intake.batch import intake_batch  # noqa: E402
from ledger.intake.pipeline import IntakeContext, intake  # noqa: E402
from ledger.intake.records import IntakeRecord  # noqa: E402
from ledger.office.catalogue import sync_departments  # noqa: E402
from ledger.schema import upgrade  # noqa: E402
from ledger.settings import Settings  # noqa: E402


def records(source: str, count: int) -> list[IntakeRecord]:
    start = datetime(2026, 9, 1, tzinfo=UTC)
    return [
        IntakeRecord(
            source=source,
            external_id=f"B{n:06d}",
            item_type="留言板",
            title=f"企业反映园区限电影响生产（{n}）",
            body="园区近一周每天限电四小时，订单无法按期交付，请协调有序用电指标。" * 4,
            received_at=start + timedelta(minutes=n),
            reply_text="已转有关处室核实办理。" if n % 2 else None,
            replied_at=start + timedelta(days=5, minutes=n) if n % 2 else None,
        )
        for n in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--records", type=int, default=400)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="huiying-intake-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        sessions = make_session_factory(engine)
        with sessions.begin() as session:
            sync_departments(session, REPO / "data" / "departments.toml")
        settings = Settings.from_env()
        with sessions() as session:
            ctx = IntakeContext.load(session, settings)
        figures = {}
        batched = records("bench_batch", args.records)
        started = time.perf_counter()
        for first in range(0, len(batched), args.batch):
            with sessions() as session, session.begin():
                intake_batch(session, batched[first : first + args.batch], ctx)
        figures[f"batches of {args.batch}"] = time.perf_counter() - started
        single = records("bench_single", args.records)
        started = time.perf_counter()
        for record in single:
            with sessions() as session, session.begin():
                intake(session, record, ctx)
        figures["one record per transaction"] = time.perf_counter() - started
        engine.dispose()
    print(f"| intake of {args.records} new records ({url.split(':')[0]}) | items/s |")
    print("|---|---|")
    for label, seconds in figures.items():
        print(f"| {label} | {args.records / seconds:.0f} |")


if __name__ == "__main__":
    main()
