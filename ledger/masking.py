"""Masking of personal data (mobile and landline numbers, ID card numbers, names) for display.

`mask_personal_data` is the one masking step every output path uses (web pages, Excel, notices,
e-mail, the operation log); it is idempotent, so text masked earlier passes through unchanged.

Not masked, on purpose: 400/800 numbers and short service numbers (12345, 95598) are public
hotlines of companies and agencies, not personal data; dates, amounts, order and document
numbers; web addresses (a link must keep working).
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any

import nh3

# People write 138-1234-5678, 138.1234.5678, 138 1234 5678 (also with a full-width hyphen or space).
_S = r"[-.\s\u00a0\u3000－]?"
# Not inside a longer run, nor glued to Latin letters: FZ16102100085 is an order number.
_DIGIT_BEFORE = r"(?<![0-9A-Za-z])"
_DIGIT_AFTER = r"(?![0-9])"
# Resident ID: 6-digit region, birth date, 3-digit sequence, check digit (may be X). Only a
# plausible birth date counts, so 18-digit order numbers and runs of dates are left alone.
_BIRTH8 = r"(?:18|19|20)[0-9]{2}" + _S + r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_BIRTH6 = r"[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_ID_CARD = re.compile(
    rf"{_DIGIT_BEFORE}[1-9][0-9]{{5}}{_S}{_BIRTH8}{_S}[0-9]{{3}}[0-9Xx]{_DIGIT_AFTER}"
    rf"|{_DIGIT_BEFORE}[1-9][0-9]{{5}}{_S}{_BIRTH6}{_S}[0-9]{{3}}{_DIGIT_AFTER}"
)
# Mobile, with an optional country code: +86, 0086, 86, (+86), （+86）.
_COUNTRY = r"(?:(?:\+|00)?86|[(（]\s*\+?86\s*[)）])" + _S
_NOT_AMOUNT = r"(?!\s?[元万亿]|[.．][0-9])"  # 13800000000 元 is money
_MOBILE = re.compile(
    rf"{_DIGIT_BEFORE}(?:{_COUNTRY})?(1[3-9][0-9]){_S}[0-9]{{4}}{_S}([0-9]{{4}})"
    rf"{_DIGIT_AFTER}{_NOT_AMOUNT}"
)
# Landline with area code, written apart: 0531-88889999, 0531 8888 9999, (0531)88889999,
# （0531）88889999. Local numbers never start with 0/1, nor with 400/800 (company hotlines).
_LOCAL = rf"(?![48]00)[2-9][0-9]{{2,3}}{_S}([0-9]{{4}}){_DIGIT_AFTER}"
_AREA = r"0[1-9][0-9]{1,2}"
_LANDLINE = re.compile(
    rf"{_DIGIT_BEFORE}(?:[(（]\s*({_AREA})\s*[)）]\s?|({_AREA})[-.\s\u00a0\u3000－]){_LOCAL}"
)
# Glued (053188889999) or without area code (88889999) it looks like an order number or an
# amount, so it is a phone only when the text says so just before it.
_PHONE_WORD = r"(?:电话|座机|固话|手机|号码|联系方式|联系|热线|致电|拨打|[Tt][Ee][Ll])"
_AFTER_WORD = re.compile(rf"({_PHONE_WORD}[\s:：是为（(]{{0,3}}){_DIGIT_BEFORE}({_AREA})?{_LOCAL}")
_URL = re.compile(r"(?:https?|ftp)://[^\s\"'<>，。；、）]+", re.IGNORECASE)
# Every pattern above needs at least this many ASCII digits (a local number after 电话: 3 + 4).
# Most texts (dates, names, statuses, short replies) have fewer: they skip the regexes.
MIN_DIGITS = 7


def _mask_id(match: re.Match[str]) -> str:
    digits = re.sub(r"[^0-9Xx]", "", match.group(0))
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


def _mask_landline(match: re.Match[str]) -> str:
    area = match.group(1) or match.group(2)
    return f"{area}-****{match.group(3)}"


def _mask_after_word(match: re.Match[str]) -> str:
    word, area, last4 = match.groups()
    return f"{word}{area}-****{last4}" if area else f"{word}****{last4}"


def mask_id_cards(text: str) -> str:
    return _ID_CARD.sub(_mask_id, text)


def mask_phones(text: str) -> str:
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    text = _LANDLINE.sub(_mask_landline, text)
    return _AFTER_WORD.sub(_mask_after_word, text)


def _mask_plain(text: str) -> str:
    """ID numbers first (they contain phone-like runs), then phone numbers."""
    return mask_phones(mask_id_cards(text))


def mask_personal_data(text: str | None) -> str:
    """Mask phones and ID numbers everywhere in `text` except inside web addresses."""
    if not text:
        return ""
    if len(text) < MIN_DIGITS:
        return text  # most of what a page prints: labels, names, dates
    if sum(map(text.count, "0123456789")) < MIN_DIGITS:
        return text  # nothing to mask: the export masks every cell, mostly such short text
    return _mask_outside_urls(text)


def _mask_outside_urls(text: str) -> str:
    out, last = [], 0
    for url in _URL.finditer(text):
        out.append(_mask_plain(text[last : url.start()]))
        out.append(url.group(0))
        last = url.end()
    out.append(_mask_plain(text[last:]))
    return "".join(out)


_CJK_NAME = r"[\u4e00-\u9fff·•]"
_ANONYMOUS = {"匿名", "网友", "市民", "来电人", "群众"}


def plain_name(name: str) -> str:
    """A caller name as a person reads it: entities decoded (even twice), tags removed."""
    for _ in range(3):  # feeds escape once or twice: &amp;lt;b&amp;gt;
        decoded = html.unescape(name)
        if decoded == name:
            break
        name = decoded
    return " ".join(html.unescape(nh3.clean(name, tags=set())).split())


def _mask_given_name(name: str) -> str:
    return name if name in _ANONYMOUS else name[0] + "*" * (len(name) - 1)


def mask_name(name: str | None) -> str | None:
    """张三 → 张*, 欧阳小明 → 欧***, 王小明13812345678 → 王**138****5678.

    Anonymous and already-masked names pass through; other text keeps only its personal data
    masked. HTML is decoded first, so an escaped name is masked like a plain one.
    """
    if not name:
        return name
    name = plain_name(name)
    if not name:
        return name
    head = re.match(rf"{_CJK_NAME}{{2,6}}", name)
    if head is None or "*" in head.group(0):
        return mask_personal_data(name)
    rest = name[head.end() :]
    if rest and not re.match(r"[\s0-9+＋(（,，:：/、]", rest):
        return mask_personal_data(name)  # not a name followed by a number: e.g. 网友6a8f
    return _mask_given_name(head.group(0)) + mask_personal_data(rest)


def mask_logs() -> None:
    """Mask every log record of this process as it is made; idempotent.

    Done in the record factory, not in a handler filter: Scrapy and gunicorn install and replace
    their own handlers, and a filter on a logger misses records propagated from its children.
    A traceback is formatted here too, since a database error quotes the row it failed on.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks_personal_data", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format is logging's own error to report
            return record
        record.msg, record.args = mask_personal_data(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_personal_data(
                logging.Formatter().formatException(record.exc_info)
            )
        return record

    factory.masks_personal_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
