"""Source time strings: compact digit dates are dates, not unix seconds; absurd epochs are refused."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from crawler.parsing.normalise import parse_time

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


NOW = datetime(2026, 1, 2, 3, 0, tzinfo=UTC)  # 11:00 on 2 January in Shanghai


@pytest.mark.parametrize(
    ("text", "tz", "expected"),
    [
        ("2020年9月25日", "Asia/Shanghai", datetime(2020, 9, 25, tzinfo=CST)),
        ("昨天 10:12", "Asia/Shanghai", datetime(2026, 1, 1, 10, 12, tzinfo=CST)),
        ("今天08:00", "Asia/Shanghai", datetime(2026, 1, 2, 8, 0, tzinfo=CST)),
        ("前天", "Asia/Shanghai", datetime(2025, 12, 31, tzinfo=CST)),
        ("3小时前", "Asia/Shanghai", datetime(2026, 1, 2, 8, 0, tzinfo=CST)),
        ("刚刚", "Asia/Shanghai", NOW),
        ("12月30日 09:05", "Asia/Shanghai", datetime(2025, 12, 30, 9, 5, tzinfo=CST)),  # last year
        ("1月2日", "Asia/Shanghai", datetime(2026, 1, 2, tzinfo=CST)),
        # the configured zone decides what a naive or relative time means
        ("昨天 10:12", "Asia/Urumqi", datetime(2026, 1, 1, 10, 12, tzinfo=ZoneInfo("Asia/Urumqi"))),
        ("2020-09-25 10:12", "UTC", datetime(2020, 9, 25, 10, 12, tzinfo=UTC)),
        (1601000000, "Asia/Shanghai", datetime(2020, 9, 25, 2, 13, 20, tzinfo=UTC)),
        (1601000000123, "Asia/Shanghai", datetime(2020, 9, 25, 2, 13, 20, 123000, tzinfo=UTC)),
    ],
)
def test_chinese_and_relative_forms(text: object, tz: str, expected: datetime) -> None:
    assert parse_time(text, tz, now=NOW) == expected


@pytest.mark.parametrize("text", ["昨天下午", "下午三点", "13月40日"])
def test_vague_forms_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_time(text, now=NOW)
