"""Personal data is masked in every common way people write it; nothing else is touched."""

from __future__ import annotations

import logging
import random

import pytest

from ledger.masking import MIN_DIGITS, _mask_outside_urls, mask_logs, mask_name, mask_personal_data

MASKED = [
    # mobiles: separators - . space, country codes
    ("电话13812345678", "电话138****5678"),
    ("电话 138-1234-5678 联系", "电话 138****5678 联系"),
    ("电话 138 1234 5678", "电话 138****5678"),
    ("手机138.1234.5678。", "手机138****5678。"),
    ("138－1234－5678", "138****5678"),
    ("+8613812345678", "138****5678"),
    ("+86 138 1234 5678", "138****5678"),
    ("+86-138-1234-5678", "138****5678"),
    ("0086 13812345678", "138****5678"),
    ("008613812345678", "138****5678"),
    ("(+86)13812345678", "138****5678"),
    ("（+86）138 1234 5678", "138****5678"),
    ("联系人王先生13812345678", "联系人王先生138****5678"),
    ("号码是19912345678，", "号码是199****5678，"),
    # landlines with area code, brackets half and full width, extensions
    ("座机0531-86123456", "座机0531-****3456"),
    ("座机0531 88889999", "座机0531-****9999"),
    ("座机0531.88889999", "座机0531-****9999"),
    ("座机(0531)88889999", "座机0531-****9999"),
    ("座机（0531）88889999", "座机0531-****9999"),
    ("座机（0531） 8888-9999", "座机0531-****9999"),
    ("座机0531-8888 9999", "座机0531-****9999"),
    ("北京010-65123456", "北京010-****3456"),
    ("北京(010)6512 3456", "北京010-****3456"),
    ("区号0531，电话0531-86123456转8001", "区号0531，电话0531-****3456转8001"),
    ("0531-86123456-分机201", "0531-****3456-分机201"),
    ("电话05318612345", "电话0531-****2345"),  # glued to the area code: only after a phone word
    ("联系电话：053188889999", "联系电话：0531-****9999"),
    # landlines without area code: only when the text says it is a phone
    ("联系电话：88889999", "联系电话：****9999"),
    ("座机 8612 3456", "座机 ****3456"),
    ("请拨打8612345", "请拨打****2345"),
    ("Tel: 86123456", "Tel: ****3456"),
    # resident IDs: 18 and 15 digits, X/x, spaces and hyphens
    ("身份证370102199001011234", "身份证370102********1234"),
    ("身份证37010219900101123X", "身份证370102********123X"),
    ("身份证37010219900101123x。", "身份证370102********123x。"),
    ("身份证 370102 19900101 123X", "身份证 370102********123X"),
    ("身份证 370102 1990 0101 1234", "身份证 370102********1234"),
    ("身份证370102-19900101-1234", "身份证370102********1234"),
    ("旧证370102900101123", "旧证370102*****1123"),
    ("旧证 370102 900101 123", "旧证 370102*****1123"),
    # mixed
    (
        "我叫张三，电话13812345678，身份证370102199001011234",
        "我叫张三，电话138****5678，身份证370102********1234",
    ),
]

UNCHANGED = [
    "订单号 2026112900012345678901",  # too long: not an ID
    "金额 12,345 元，编号 GD20261129000700",
    "12345 工单 GD20260925000123 已派单",
    "收到时间 2026-09-25 10:00，期限 2026-10-09",
    "20260925 至 20261009",
    "2026-09-25 2026-09-26 2026-09-27",
    "2026.09.25",
    "补贴 1,380,000 元，合计 13800000 元",
    "合计 13800000000 元，约 15000000000.5 元，13900000000万元",
    "依据鲁工信发〔2026〕13号文件",
    "见 https://gxt.shandong.gov.cn/art/2026/9/25/art_15_13812345678.html 原文",
    "http://www.example.gov.cn/col/col13812345678/index.html?id=370102199001011234",
    "客服热线 400-123-4567，800-810-8888，4001234567",
    "请拨打 12345 政务服务热线或 95598",
    "版本 2.13.1，第 3 页",
    "订单 202609250001234567",  # 18 digits but no birth date in it
    "数量 100000000000",  # 12 digits
    "诉求编号07071300029",  # glued digits starting with 0 and no phone word: an order number
    "对08052600124回复",
    "对诉求件（编号FZ16102100085、FZ16102400175）",
    "客服热线：400-0745-321，电话800 810 8888",
    "已于 2026-09-25 14:30:00 办结",
    "电话 2026 年开通",
]


@pytest.mark.parametrize(("text", "masked"), MASKED)
def test_masks_real_world_formats(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize("text", UNCHANGED)
def test_leaves_other_numbers_alone(text: str) -> None:
    assert mask_personal_data(text) == text


@pytest.mark.parametrize(("text", "masked"), MASKED)
def test_masking_is_idempotent(text: str, masked: str) -> None:
    assert mask_personal_data(masked) == masked


# Pieces people write around numbers: separators, brackets, country codes, phone words, URLs.
PIECES = [
    *"0123456789", *"0123456789", " ", "-", ".", "－", "\u3000", "(", ")", "（", "）", "+86",
    "0086", "X", "x", "电话", "座机", "拨打", "Tel:", "：", "是", "元", "万", "号", "，",
    "https://a.cn/", "000", "400", "1380", "0531", "19900101",
]  # fmt: skip


def test_text_with_few_digits_skips_the_regexes_with_the_same_result() -> None:
    """The short cut (fewer than MIN_DIGITS digits: nothing to mask) never changes the result:
    random texts built from the pieces of phone and ID numbers, masked both ways."""
    rng = random.Random(14)
    few = 0
    for _ in range(20_000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 12)))
        few += sum(c.isdigit() for c in text) < MIN_DIGITS
        assert mask_personal_data(text) == _mask_outside_urls(text), text
    assert few > 2_000  # the short cut was taken often
    # the shortest maskable numbers have exactly MIN_DIGITS digits
    assert mask_personal_data("请拨打8612345") == "请拨打****2345"
    assert mask_personal_data("请拨打861234") == "请拨打861234"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("欧阳小明", "欧***"),
        ("网友6a8f", "网友6a8f"),
        ("匿名", "匿名"),
        ("张*", "张*"),
        ("王小明13812345678", "王**138****5678"),
        ("王小明 138-1234-5678", "王** 138****5678"),
        ("王小明（0531）88889999", "王**0531-****9999"),
        ("&lt;b&gt;欧阳小明&lt;/b&gt;", "欧***"),
        ("&amp;lt;b&amp;gt;欧阳小明&amp;lt;/b&amp;gt;", "欧***"),
        ("<b>张三</b>", "张*"),
        ("&#29579;&#23567;&#26126;", "王**"),
        ("王**138****5678", "王**138****5678"),
        ("13812345678", "138****5678"),
    ],
)
def test_names(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_no_name() -> None:
    assert mask_name(None) is None
    assert mask_name("") == ""
    assert mask_personal_data(None) == ""


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_log_lines_are_masked() -> None:
    parent = logging.getLogger("huiying-test-masking")
    child = logging.getLogger("huiying-test-masking.scrapy")
    handler = _Lines()
    parent.addHandler(handler)
    factory = logging.getLogRecordFactory()
    try:
        mask_logs()
        mask_logs()  # idempotent
        child.warning("拒收 %s：%s", "https://x.gov.cn/a/13812345678", "来电 13912345678")
        parent.warning("身份证 %s", "370102199001011234")
        try:
            raise ValueError("[parameters: ('电话 0531-86123456',)]")
        except ValueError:
            child.exception("写入失败")
    finally:
        logging.setLogRecordFactory(factory)
        parent.removeHandler(handler)
    assert handler.lines[:2] == [
        "拒收 https://x.gov.cn/a/13812345678：来电 139****5678",
        "身份证 370102********1234",
    ]
    assert "0531-****3456" in handler.lines[2] and "86123456" not in handler.lines[2]
