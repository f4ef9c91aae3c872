"""Phones and ID numbers staff type into free-text fields are masked on every page that shows them.

The fields are entered through the real app (extension and pause reasons, 退回意见, 催办附言, 退回理由,
the reply itself), then every page a user of each role can open about the item is read back.
"""

from __future__ import annotations

import html
import re
from io import BytesIO

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

# field → (as typed, digits that must never be shown, as shown)
EXTENSION = ("需向申请人核实，座机 (0531)86123456", ("86123456",), "0531-****3456")
PAUSE = (
    "申请人身份证 370102 19900101 123X 不清晰",
    ("19900101", "370102 1990"),
    "370102********123X",
)
RETURN_COMMENT = ("删去来电人手机 138.1234.5678 后再报", ("138.1234", "12345678"), "138****5678")
URGE_NOTE = ("请今天回电 +86 139 2345 6789", ("139 2345", "23456789"), "139****6789")
SEND_BACK = ("应由住建部门办理，联系电话13712345678", ("13712345678",), "137****5678")
REPLY = ("已电话联系申请人（0531）88889999，材料已补齐。", ("88889999",), "0531-****9999")
ALL = (EXTENSION, PAUSE, RETURN_COMMENT, URGE_NOTE, SEND_BACK, REPLY)


def login(client: FlaskClient, username: str, password: str = "huiying-demo") -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    client.post(
        "/auth/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
    )


def assert_masked(pages: dict[str, str]) -> None:
    """No raw digits anywhere, except in the reply editor: there the author edits their own text."""
    for url, page in pages.items():
        html = re.sub(r'<textarea name="text".*?</textarea>', "", page, flags=re.S)
        for _, raw, _ in ALL:
            for digits in raw:
                assert digits not in html, f"{url} shows {digits!r}"


def test_staff_free_text_is_masked_everywhere(app: Flask, make_item, csrf, version) -> None:  # type: ignore[no-untyped-def]
    item = make_item("M1", "拖欠账款", "国企拖欠货款。", route_to="sme", kind="依申请公开")
    other = make_item("M2", "拖欠工程款", "国企拖欠工程款。", route_to="sme", kind="依申请公开")
    handler, head, duban, fenban = (app.test_client() for _ in range(4))
    login(handler, "zxqy")
    login(head, "zxqy-sh")
    login(duban, "duban")
    login(fenban, "fenban")
    pages: dict[str, str] = {}

    def read(client: FlaskClient, who: str, *urls: str) -> None:
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            pages[f"{who} {url}"] = response.get_data(as_text=True)

    def post(client: FlaskClient, url: str, **data: object) -> None:
        data = {"csrf_token": csrf(client), "version": version(item), **data}
        response = client.post(url, data=data, follow_redirects=True)
        assert response.status_code == 200, url
        assert "error" not in re.findall(r'class="flash (\w+)"', response.get_data(as_text=True))
        pages[f"after {url}"] = response.get_data(as_text=True)

    # 延期申请 (pending: shown to the handler and the reviewer), then refused
    post(handler, f"/workbench/items/{item}/extension", amount=5, reason=EXTENSION[0])
    read(handler, "handler-ext", f"/workbench/items/{item}")
    read(head, "head-ext", f"/review/items/{item}", "/review/")
    assert EXTENSION[2] in pages[f"handler-ext /workbench/items/{item}"]
    assert EXTENSION[2] in pages[f"head-ext /review/items/{item}"]
    adj = re.search(rf"/review/items/{item}/clock/(\d+)", pages[f"head-ext /review/items/{item}"])
    assert adj
    post(head, f"/review/items/{item}/clock/{adj.group(1)}", decision="reject")
    # 暂停申请 (补正), approved, resumed
    post(handler, f"/workbench/items/{item}/pause", kind="补正", reason=PAUSE[0])
    read(head, "head-pause", f"/review/items/{item}")
    assert PAUSE[2] in pages[f"head-pause /review/items/{item}"]
    adj = re.search(rf"/review/items/{item}/clock/(\d+)", pages[f"head-pause /review/items/{item}"])
    assert adj
    post(head, f"/review/items/{item}/clock/{adj.group(1)}", decision="approve")
    post(handler, f"/workbench/items/{item}/resume")
    # a reply returned with 退回意见, a 催办附言 while it is back with the handler, then approved
    post(handler, f"/workbench/items/{item}/draft", text=REPLY[0], action="submit")
    read(head, "head-reply", f"/review/items/{item}")
    assert REPLY[2] in pages[f"head-reply /review/items/{item}"]
    post(head, f"/review/items/{item}/return", comment=RETURN_COMMENT[0])
    duban_page = duban.post(
        f"/supervision/items/{item}/urge",
        data={"csrf_token": csrf(duban), "note": URGE_NOTE[0]},
        follow_redirects=True,
    )
    assert duban_page.status_code == 200
    read(handler, "handler-returned", f"/workbench/items/{item}")
    assert RETURN_COMMENT[2] in pages[f"handler-returned /workbench/items/{item}"]
    post(handler, f"/workbench/items/{item}/draft", text=REPLY[0] + "。", action="submit")
    post(head, f"/review/items/{item}/approve")
    # 退回分办 of the other item, with its 退回理由
    response = handler.post(
        f"/workbench/items/{other}/send-back",
        data={"csrf_token": csrf(handler), "version": version(other), "reason": SEND_BACK[0]},
        follow_redirects=True,
    )
    assert response.status_code == 200

    read(handler, "handler", "/workbench/", "/notices/", "/ledger/", f"/ledger/items/{item}")
    read(head, "head", "/review/", f"/review/items/{item}", "/notices/", f"/ledger/items/{item}")
    read(duban, "duban", "/supervision/", f"/ledger/items/{item}", f"/ledger/items/{other}")
    read(fenban, "fenban", "/notices/", f"/triage/items/{other}", f"/ledger/items/{other}")
    read(fenban, "fenban", "/triage/", "/ledger/", f"/ledger/items/{item}")
    assert_masked(pages)

    ledger_page = pages[f"fenban /ledger/items/{item}"]
    for _, _, shown in (EXTENSION, PAUSE, RETURN_COMMENT, REPLY):
        assert shown in ledger_page  # reasons, comment, reply and the operation log
    assert URGE_NOTE[2] in pages["handler /notices/"]  # 催办附言
    assert RETURN_COMMENT[2] in pages["handler /notices/"]  # 退回意见
    assert SEND_BACK[2] in pages["fenban /notices/"]  # 退回理由
    assert SEND_BACK[2] in pages[f"fenban /triage/items/{other}"]
    assert SEND_BACK[2] in pages[f"duban /ledger/items/{other}"]

    export = fenban.get("/ledger/export.xlsx")
    assert export.status_code == 200
    cells = " ".join(
        str(v)
        for row in load_workbook(BytesIO(export.data)).active.iter_rows(values_only=True)
        for v in row
        if v is not None
    )
    assert_masked({"export": cells})
    assert REPLY[2] in cells


def test_masking_leaves_tokens_links_and_escaping_intact(
    app: Flask, client: FlaskClient, make_item, csrf, version
) -> None:  # type: ignore[no-untyped-def]
    item = make_item("M3", "拖欠账款", "国企拖欠货款。", route_to="sme")
    handler = app.test_client()
    login(handler, "zxqy")
    evil = "<script>alert(13812345678)</script> 2026-09-25 鲁工信发〔2026〕13号 GD20260925000123"
    handler.post(
        f"/workbench/items/{item}/draft",
        data={
            "csrf_token": csrf(handler),
            "version": version(item),
            "text": evil,
            "action": "save",
        },
    )
    page = handler.get(f"/workbench/items/{item}").get_data(as_text=True)
    # the author edits their own draft: the edit box keeps the real text (escaped), so saving
    # again does not overwrite it with the mask
    assert "&lt;script&gt;alert(13812345678)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert f'name="version" value="{version(item)}"' in page
    assert "2026-09-25 鲁工信发〔2026〕13号 GD20260925000123" in page
    # saving the form as the page shows it (its token, its version, its text) keeps the draft
    form = re.search(
        r'action="/workbench/items/\d+/draft">\s*<input type="hidden" name="csrf_token" '
        r'value="([^"]+)"><input type="hidden" name="version" value="(\d+)">',
        page,
    )
    assert form
    shown = re.search(r'<textarea name="text"[^>]*>(.*?)</textarea>', page, flags=re.S)
    assert shown
    again = handler.post(
        f"/workbench/items/{item}/draft",
        data={
            "csrf_token": form.group(1),
            "version": form.group(2),
            "text": html.unescape(shown.group(1)),
            "action": "save",
        },
    )
    assert again.status_code == 302
    with app.app_context():
        from ledger.models import Reply
        from webapp.database import get_session

        texts = get_session().scalars(select(Reply.text).where(Reply.item_id == item)).all()
    assert texts == [evil]
    # elsewhere the draft is masked and still escaped
    ledger_page = handler.get(f"/ledger/items/{item}").get_data(as_text=True)
    assert "&lt;script&gt;alert(138****5678)&lt;/script&gt;" in ledger_page
    assert "13812345678" not in ledger_page and "<script>alert" not in ledger_page
    # search words and links keep their digits (the search box is the user's own input)
    listing = handler.get("/ledger/?q=13812345678&status=办理中").get_data(as_text=True)
    assert 'value="13812345678"' in listing
    assert "q=13812345678" in listing  # the export link repeats the search


def test_caller_names_are_masked_after_unescaping(app: Flask, make_item) -> None:  # type: ignore[no-untyped-def]
    escaped = make_item(
        "M4", "咨询补贴", "何时发放？", kind="12345", author="&lt;b&gt;欧阳小明&lt;/b&gt;"
    )
    glued = make_item("M5", "咨询补贴申报", "如何申报？", kind="12345", author="王小明13812345678")
    client = app.test_client()
    login(client, "fenban")
    first = client.get(f"/ledger/items/{escaped}").get_data(as_text=True)
    assert "欧***" in first and "欧阳小明" not in first and "&amp;lt;b" not in first
    second = client.get(f"/ledger/items/{glued}").get_data(as_text=True)
    assert "王**138****5678" in second and "王小明" not in second


def test_times_and_short_strings_skip_the_masking_regexes(app: Flask, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Masking runs on every printed string; the ones that cannot hold a phone or ID number (a
    time we formatted, anything under seven characters) skip its regexes: a list page prints a
    dozen dates a row. Text with a number in it is still masked."""
    from datetime import UTC, datetime

    from ledger import masking

    calls: list[str] = []
    plain = masking._mask_outside_urls
    monkeypatch.setattr(
        masking, "_mask_outside_urls", lambda text: calls.append(text) or plain(text)
    )
    with app.test_request_context():
        page = app.jinja_env.from_string(
            "{{ t|local_time }} {{ t|local_time('%m-%d %H:%M') }} {{ s }} {{ n }}"
        ).render(t=datetime(2026, 3, 4, 4, 5, tzinfo=UTC), s="办理中", n="电话13812345678")
    assert page == "2026-03-04 12:05 03-04 12:05 办理中 电话138****5678"
    assert calls == ["电话13812345678"]
