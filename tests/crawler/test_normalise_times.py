"""Source time strings: compact digit dates are dates, not unix seconds; absurd epochs are refused."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from crawler.normalise import parse_time

CST = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20240503", datetime(2024, 5, 3, tzinfo=CST)),
        ("202405031030", datetime(2024, 5, 3, 10, 30, tzinfo=CST)),
        ("20240503103000", datetime(2024, 5, 3, 10, 30, tzinfo=CST)),
        ("1714703400", datetime(2024, 5, 3, 2, 30, tzinfo=UTC)),
        ("1714703400000", datetime(2024, 5, 3, 2, 30, tzinfo=UTC)),
        ("2024-05-03 10:30", datetime(2024, 5, 3, 10, 30, tzinfo=CST)),
    ],
)
def test_times(text: str, expected: datetime) -> None:
    assert parse_time(text) == expected


def test_implausible_epoch_is_refused() -> None:
    with pytest.raises(ValueError, match="implausible"):
        parse_time("123456")
