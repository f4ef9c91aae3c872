"""A fixture server in the layout of 人民网领导留言板 (see shared docs/domain-rules.md), written for
huiying's tests with made-up content.

- GET  /messageList?fid=539         an empty HTML shell; sets the session cookie the API needs
- POST /v1/threads/list/df          the XHR list: form (or JSON) fid, lastItem (cursor = the last
                                    row's tid, "" first), rows; newest first; answers
                                    {"result": "success", "responseData": [...]} with tid, subject,
                                    content, stateInfo, domainName, typeName, nickName, dateline
                                    (unix s), answerOrganization, answerContent, answerDateline, grade
- POST /v1/auth/token               {"responseData": {"token": ...}}: the API also takes X-Token
- GET  /threads/content?tid=N       the HTML detail page (body and reply)

Loaded by conftest.py (tests are not a package). `PeopleBoard.answer(tid)` replies to a message.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

SH = ZoneInfo("Asia/Shanghai")
COOKIE, TOKEN = "PEOPLE_SESSION", "t-8f3a1c"
SUBJECTS = [
    (
        "园区限电影响企业正常生产",
        "投诉",
        "工业和信息化",
        "我们园区近一周每天限电四小时，订单无法按期交付，请协调有序用电指标。",
    ),
    (
        "专精特新企业认定标准咨询",
        "咨询",
        "中小企业",
        "请问省级专精特新中小企业认定需要哪些材料？研发投入比例如何计算？",
    ),
    (
        "拖欠中小企业货款长期不付",
        "求助",
        "中小企业",
        "某国企拖欠我公司设备款86万元已两年，多次催要无果，恳请督促清偿。",
    ),
    (
        "5G基站建设噪音扰民",
        "投诉",
        "通信",
        "小区楼顶新建5G基站，散热风扇昼夜噪音很大，居民无法休息。",
    ),
    (
        "技改补贴何时拨付",
        "咨询",
        "工业和信息化",
        "我公司2024年技术改造项目已验收，奖补资金何时拨付？",
    ),
    ("化工园区扩区规划建议", "建议", "化工", "建议化工园区扩区时同步规划应急通道和污水处理能力。"),
]


@dataclass
class Thread:
    tid: int
    subject: str
    kind: str
    domain: str
    content: str
    nick: str
    posted: datetime
    reply_org: str | None = None
    reply_text: str | None = None
    replied: datetime | None = None
    grade: int = 0

    @property
    def state(self) -> str:
        return "已办理" if self.reply_text else ("办理中" if self.tid % 3 == 0 else "待回复")


def make_threads(count: int, anchor: datetime) -> list[Thread]:
    threads = []
    for n in range(count):
        subject, kind, domain, content = SUBJECTS[n % len(SUBJECTS)]
        posted = anchor - timedelta(days=count - n, hours=n % 7, minutes=n * 13 % 60)
        t = Thread(
            tid=30_000 + n * 7,
            subject=f"{subject}（{n + 1}）",
            kind=kind,
            domain=domain,
            content=f"{content}\n第{n + 1}条留言，详细情况见附件说明。联系电话13812345678。",
            nick=f"{'张王李赵刘'[n % 5]}**",
            posted=posted,
        )
        if n % 2 == 0:
            t.reply_org = "山东省工业和信息化厅"
            t.reply_text = (
                f"网友您好！关于“{subject}”，我厅已转有关处室核实办理，现答复如下：……（{n + 1}）"
            )
            t.replied = posted + timedelta(days=5, hours=3)
            t.grade = 5 - n % 3
        threads.append(t)
    return threads


@dataclass
class PeopleBoard:
    threads: list[Thread]
    page_rows: int = 10
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- content ----------------------------------------------------------------------------
    def answer(self, tid: int, text: str = "已协调解决，感谢您的监督。") -> None:
        with self.lock:
            thread = next(t for t in self.threads if t.tid == tid)
            thread.reply_org, thread.reply_text = "山东省工业和信息化厅", text
            thread.replied = thread.posted + timedelta(days=9)

    def row(self, t: Thread) -> dict[str, Any]:
        return {
            "tid": t.tid,
            "subject": t.subject,
            "content": t.content[:30] + "…",
            "stateInfo": t.state,
            "domainName": t.domain,
            "typeName": t.kind,
            "nickName": t.nick,
            "dateline": int(t.posted.timestamp()),
            "answerOrganization": t.reply_org or "",
            "answerContent": (t.reply_text or "")[:30],
            "answerDateline": int(t.replied.timestamp()) if t.replied else 0,
            "grade": t.grade,
        }

    def list_page(self, last_item: str, rows: int) -> list[dict[str, Any]]:
        newest = sorted(self.threads, key=lambda t: -t.tid)
        if last_item:
            newest = [t for t in newest if t.tid < int(last_item)]
        return [self.row(t) for t in newest[:rows]]

    def detail(self, tid: int) -> str | None:
        t = next((t for t in self.threads if t.tid == tid), None)
        if t is None:
            return None
        body = "<br/>".join(escape(line) for line in t.content.split("\n"))
        reply = ""
        if t.reply_text and t.replied:
            when = t.replied.astimezone(SH)
            reply = (
                '<li class="reply"><h3><i class="red">' + escape(t.reply_org or "") + "</i>"
                f"<span>回复时间：{when.year}年{when.month}月{when.day}日 {when:%H:%M}</span></h3>"
                f'<p class="zoom">{escape(t.reply_text)}</p></li>'
                f'<li class="comments"><span class="evaluate">{"很满意" if t.grade >= 4 else "满意"}</span>'
                f"<p>解决程度：{t.grade} 办理态度：5 办理速度：{t.grade}</p></li>"
            )
        return DETAIL.format(
            title=escape(t.subject),
            state=t.state,
            kind=t.kind,
            domain=escape(t.domain),
            nick=escape(t.nick),
            time=t.posted.astimezone(SH).strftime("%Y-%m-%d %H:%M"),
            body=body,
            reply=reply,
        )

    # --- WSGI -------------------------------------------------------------------------------
    def __call__(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        with self.lock:
            self.requests.append(request.full_path.rstrip("?"))
            response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return Response("User-agent: *\nDisallow: /admin/\n", mimetype="text/plain")
        if path == "/messageList":
            response = Response(SHELL, mimetype="text/html")
            response.set_cookie(COOKIE, "s-" + request.args.get("fid", ""))
            return response
        if path == "/v1/auth/token" and request.method == "POST":
            return _json({"result": "success", "responseData": {"token": TOKEN}})
        if path == "/v1/threads/list/df" and request.method == "POST":
            if COOKIE not in request.cookies and request.headers.get("X-Token") != TOKEN:
                return _json({"result": "fail", "resultCode": "403", "message": "未登录"}, 403)
            params = request.get_json(silent=True) or request.form
            rows = min(int(params.get("rows", self.page_rows) or self.page_rows), 50)
            data = self.list_page(str(params.get("lastItem", "") or ""), rows)
            return _json({"result": "success", "resultCode": "200", "responseData": data})
        if path == "/threads/content":
            html = self.detail(request.args.get("tid", type=int) or 0)
            if html is not None:
                return Response(html, mimetype="text/html")
        return Response("<html><body>404</body></html>", status=404, mimetype="text/html")


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status, mimetype="application/json")


@dataclass
class Served:
    board: PeopleBoard
    url: str
    stop: Any


def serve(board: PeopleBoard) -> Served:
    server = make_server("127.0.0.1", 0, board, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return Served(board, f"http://127.0.0.1:{server.server_port}", stop)


SHELL = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>领导留言板</title></head>
<body><div id="app"><div class="replyList"><ul class="list-content"></ul></div>
<div class="mordList">加载更多</div></div>
<script>/* rows arrive by XHR: POST /v1/threads/list/df {fid, lastItem, rows} */</script>
</body></html>"""

DETAIL = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_领导留言板</title></head>
<body><div class="replyInfoHead clearfix">
<h1 class="context-title"><span class="context-title-text">{title}</span><em>{state}</em></h1>
<p class="replyObject"><span>留言对象：</span><span>山东省工业和信息化厅厅长</span></p>
<ul class="clearfix"><li><em class="domainType">{kind}</em></li><li><em>{domain}</em></li></ul>
<h3 class="grey2">网友：{nick}&nbsp;&nbsp;<span>{time}</span></h3>
<p class="zoom content" id="replyContentMain">{body}</p>
</div>
<div class="replyHandleMain"><ul class="replyList">{reply}</ul></div>
</body></html>"""
