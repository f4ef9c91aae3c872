"""Text and time normalisation: HTML → plain text, full-width letters/digits → ASCII, whitespace,
source times → aware datetimes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from w3lib.html import remove_tags, replace_entities

_BLOCK_END = re.compile(r"(?i)<\s*(br\s*/?|/p|/div|/li|/tr|/h[1-6]|/td)\s*>")
_SCRIPT = re.compile(r"(?is)<(script|style)\b.*?</\1\s*>")
# full-width ASCII letters and digits (not punctuation: ，。：； are ordinary Chinese text)
_FULLWIDTH = {
    c: c - 0xFEE0
    for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
    for c in range(r[0], r[1] + 1)
}
_SPACES = {0x3000: " ", 0x00A0: " ", 0x200B: "", 0xFEFF: ""}
_INLINE_WS = re.compile(r"[ \t\r\f\v]+")
# Digit-only dates by length (a bare number of another length is unix time).
_COMPACT = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}
_RELATIVE_DAY = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
_DAY_WORD = re.compile(
    r"^(今天|今日|昨天|昨日|前天)\s*(?:(\d{1,2})\s*[:时]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2}))?)?$"
)
_AGO = re.compile(r"^(\d+)\s*(秒|分钟|小时|天)前$")
_AGO_UNIT = {"秒": "seconds", "分钟": "minutes", "小时": "hours", "天": "days"}
_MONTH_DAY = re.compile(
    r"^(\d{1,2})\s*[月/-]\s*(\d{1,2})\s*日?(?:\s*(\d{1,2})\s*[:时]\s*(\d{1,2}))?$"
)
_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*[T ]?\s*(\d{1,2})\s*[:时]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2}))?)?"
)


def html_to_text(value: str) -> str:
    """Markup to text; block ends become line breaks."""
    if "<" not in value and "&" not in value:
        return value
    value = _SCRIPT.sub("", value)
    value = _BLOCK_END.sub("\n", value)
    return replace_entities(remove_tags(value))


def clean_text(value: str | None, *, multiline: bool = True) -> str | None:
    """Plain text with ASCII letters/digits, single spaces and no blank lines; None stays None."""
    if value is None:
        return None
    text = html_to_text(str(value)).translate(_FULLWIDTH).translate(_SPACES)
    lines = [_INLINE_WS.sub(" ", line).strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    return ("\n" if multiline else " ").join(lines) or None


def parse_time(
    value: object, tz: str = "Asia/Shanghai", now: datetime | None = None
) -> datetime | None:
    """'2024-05-03 10:22', '2024年5月3日', '2024/05/03 10:22:33', unix seconds/ms, and the forms
    boards show for recent posts ('昨天 10:12', '3小时前', '刚刚', '9月25日 10:12') → aware datetime.

    Naive source times are taken as local time of `tz`; relative ones count from `now` (default:
    the current time). Raises ValueError if unparseable.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz))
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    text = clean_text(str(value), multiline=False) if value is not None else None
    if not text:
        return None  # an empty cell is no time
    compact = _COMPACT.get(len(text))
    if compact and text.isdigit():  # 20240503, 202405031030, 20240503103000
        return datetime.strptime(text, compact).replace(tzinfo=ZoneInfo(tz))
    if text.replace(".", "", 1).isdigit():  # unix seconds or milliseconds
        number = float(text)
        if number > 1e11:
            number /= 1000
        moment = datetime.fromtimestamp(number, UTC)
        if not 2000 <= moment.year <= 2100:
            raise ValueError(f"implausible unix time {text!r} ({moment:%Y-%m-%d})")
        return moment
    try:
        parsed = datetime.fromisoformat(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(tz))
    except ValueError:
        pass
    relative = _relative(text, ZoneInfo(tz), now)
    if relative is not None:
        return relative
    m = _DATE.search(text)
    if not m:
        raise ValueError(f"unrecognised time {text!r}")
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    return datetime(y, mo, d, h, mi, s, tzinfo=ZoneInfo(tz))


def _relative(text: str, zone: ZoneInfo, now: datetime | None) -> datetime | None:
    local_now = (now or datetime.now(UTC)).astimezone(zone)
    if text in {"刚刚", "刚才"}:
        return local_now.replace(microsecond=0)
    if m := _AGO.match(text):
        return (local_now - timedelta(**{_AGO_UNIT[m.group(2)]: int(m.group(1))})).replace(
            microsecond=0
        )
    if m := _DAY_WORD.match(text):
        day = local_now.date() - timedelta(days=_RELATIVE_DAY[m.group(1)])
        h, mi, sec = (int(g) if g else 0 for g in m.groups()[1:])
        return datetime(day.year, day.month, day.day, h, mi, sec, tzinfo=zone)
    if m := _MONTH_DAY.match(text):  # this year's date; a date ahead of now is last year's
        mo, d, h, mi = (int(g) if g else 0 for g in m.groups())
        moment = datetime(local_now.year, mo, d, h, mi, tzinfo=zone)
        return (
            moment
            if moment <= local_now + timedelta(days=1)
            else moment.replace(year=moment.year - 1)
        )
    return None


def parse_int(value: object) -> int | None:
    if value is None:
        return None
    digits = re.sub(r"[^\d-]", "", str(value).translate(_FULLWIDTH))
    return int(digits) if digits not in ("", "-") else None
