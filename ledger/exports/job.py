"""A large Excel export in a child process at lower CPU priority (`python -m ledger.exports.job`).

A month of a busy 台账 is 20,000–30,000 rows: 6–9 s of one core in openpyxl and the masking
regex. Written inside a web worker, that thread holds the GIL for all of it and every other
request of the worker waits behind it; at 1,000,000 items with 50 users one export every 30 s
took a third of the machine's CPU and pushed every page's p95 into seconds (docs/performance.md).
In a child the web worker only waits (GIL released), and the child's nice value lets the kernel
serve interactive requests first: the export takes what CPU is left over.

The job is read from stdin as JSON (the database URL may hold a password: never on argv, which
`ps` shows), the workbook goes to the given path, and the row count is printed on stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ledger.processes import die_with_parent
from ledger.queries import ItemFilter

NICENESS = 10  # CFS weight 110 against 1024: about a tenth of a core while pages compete
TIMEOUT = 15 * 60  # seconds; 100,000 rows take about 80 s on an idle core


class ExportFailed(RuntimeError):
    """The child could not write the workbook; the message says why, in Chinese."""


def job(database_url: str, user_id: int, flt: ItemFilter, now: datetime, out: Path) -> str:
    payload: dict[str, Any] = {
        "database_url": database_url,
        "user_id": user_id,
        "now": now.isoformat(),
        "out": str(out),
        "parent": os.getpid(),
        "filter": {
            k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(flt).items()
        },
    }
    return json.dumps(payload, ensure_ascii=False)


def read_filter(data: dict[str, Any]) -> ItemFilter:
    known = {f.name for f in fields(ItemFilter)}
    values = {k: v for k, v in data.items() if k in known}
    for key in ("date_from", "date_to"):
        if values.get(key):
            values[key] = date.fromisoformat(values[key])
    return ItemFilter(**values)


def run_in_child(database_url: str, user_id: int, flt: ItemFilter, now: datetime, out: Path) -> int:
    """Write the workbook to `out` in a lower-priority child; returns the number of rows."""
    # the child imports this very checkout's code, whatever the installed copy points to
    root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}
    done = subprocess.run(
        [sys.executable, "-m", "ledger.exports.job"],
        env=env,
        input=job(database_url, user_id, flt, now, out),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["（无输出）"])[-1]
        raise ExportFailed(f"导出子进程失败（退出码 {done.returncode}）：{reason}")
    return int(done.stdout.strip())


def main() -> int:
    os.nice(NICENESS)
    data = json.loads(sys.stdin.read())
    die_with_parent(data["parent"])  # a web worker that stops takes its export with it
    # imported after nice(): the imports are part of the export's cost
    from ledger.db import make_engine, make_session_factory
    from ledger.exports.items import write_workbook
    from ledger.models import User

    engine = make_engine(data["database_url"])
    try:
        with make_session_factory(engine, read_only=True)() as session:
            user = session.get(User, data["user_id"])
            if user is None:
                print(f"用户 {data['user_id']} 不存在", file=sys.stderr)
                return 2
            now = datetime.fromisoformat(data["now"])
            with open(data["out"], "wb") as out:
                count = write_workbook(session, user, read_filter(data["filter"]), now, out)
    finally:
        engine.dispose()
    print(count)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
