"""Masking of personal data (mobile and landline numbers, ID card numbers, names) for display."""

from __future__ import annotations

import re

_SEP = r"[- ]?"  # people write 138-1234-5678, 138 1234 5678, 370102 19900101 1234
# 18-digit resident ID (last may be X) and the old 15-digit form; not inside longer digit runs.
_ID_CARD = re.compile(
    rf"(?<![0-9])[1-9](?:{_SEP}[0-9]){{16}}{_SEP}[0-9Xx](?![0-9Xx])"
    rf"|(?<![0-9])[1-9](?:{_SEP}[0-9]){{14}}(?![0-9])"
)
_MOBILE = re.compile(
    rf"(?<![0-9])(?:\+?86{_SEP})?(1[3-9][0-9]){_SEP}[0-9]{{4}}{_SEP}([0-9]{{4}})(?![0-9])"
)
_LANDLINE = re.compile(r"(?<![0-9])(0[0-9]{2,3})-?[0-9]{3,4}([0-9]{4})(?![0-9])")


def _mask_id(match: re.Match[str]) -> str:
    digits = re.sub(r"[- ]", "", match.group(0))
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


def mask_id_cards(text: str) -> str:
    return _ID_CARD.sub(_mask_id, text)


def mask_phones(text: str) -> str:
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(2)}", text)


def mask_personal_data(text: str | None) -> str:
    """Mask ID numbers first (they contain phone-like runs), then phone numbers."""
    if not text:
        return ""
    return mask_phones(mask_id_cards(text))


def mask_name(name: str | None) -> str | None:
    """张三 → 张*, 欧阳小明 → 欧***; already-masked or anonymous names pass through."""
    if not name:
        return name
    name = mask_personal_data(name.strip())
    if "*" in name or name in {"匿名", "网友", "市民"} or len(name) <= 1:
        return name
    if re.fullmatch(r"[\u4e00-\u9fff·]{2,6}", name):
        return name[0] + "*" * (len(name) - 1)
    return name
