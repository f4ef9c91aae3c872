"""What the duplicate index adds to intake: CPU ms per item of `duplicates.index_batch`.

Clears the index of an existing database (a copy: it is rewritten) and indexes its items again in
batches of 100 in arrival order, as the crawler delivers them; then once more unchanged (a
re-crawl: only the content-hash check).

    .venv/bin/python benchmarks/duplicate_index.py --database-url sqlite:////tmp/copy.db
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import delete, func, select  # noqa: E402

from ledger.db import make_engine, make_session_factory  # noqa: E402
from ledger.intake import duplicates  # noqa: E402
from ledger.models import DuplicateBand, DuplicateCandidate, Item, ItemSignature  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    with make_session_factory(engine).begin() as session:
        for model in (DuplicateCandidate, DuplicateBand, ItemSignature):
            session.execute(delete(model))
        items = session.scalars(select(Item).order_by(Item.received_at, Item.id)).all()
        for item in items:
            _ = item.body  # loaded before timing
        batches = [items[i : i + args.batch] for i in range(0, len(items), args.batch)]
        for label in ("新件", "内容未变的重复投递"):
            cpu, wall = time.process_time(), time.perf_counter()
            for batch in batches:
                duplicates.index_batch(session, batch)
            cpu_ms = (time.process_time() - cpu) / len(items) * 1000
            wall_ms = (time.perf_counter() - wall) / len(items) * 1000
            print(f"{label}：{len(items)} 件，每件 CPU {cpu_ms:.2f} ms，墙钟 {wall_ms:.2f} ms")
        pairs = session.scalar(select(func.count()).select_from(DuplicateCandidate)) or 0
        print(f"候选 {pairs // 2} 对")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
