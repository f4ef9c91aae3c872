"""Personal data is masked in every common way people write it."""

from __future__ import annotations

import pytest

from ledger.masking import mask_name, mask_personal_data


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话13812345678", "电话138****5678"),
        ("电话 138-1234-5678 联系", "电话 138****5678 联系"),
        ("电话 138 1234 5678", "电话 138****5678"),
        ("+8613812345678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("身份证370102199001011234", "身份证370102********1234"),
        ("身份证 370102 19900101 123X", "身份证 370102********123X"),
        ("旧证370102900101123", "旧证370102*****1123"),
        ("座机0531-86123456", "座机0531-****3456"),
        ("订单号 2026112900012345678901", "订单号 2026112900012345678901"),  # too long: not an ID
        ("金额 12,345 元，编号 GD20261129000700", "金额 12,345 元，编号 GD20261129000700"),
    ],
)
def test_masking(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked


def test_names() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳小明") == "欧***"
    assert mask_name("网友6a8f") == "网友6a8f"
    assert mask_name(None) is None
