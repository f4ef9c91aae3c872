"""依申请→主动公开 candidates: recurring requests for information, told apart from complaints.

A message asks for information when its title (weighted double) and opening carry more request cues
(咨询, 请问, 条件, 名单, 标准, 何时 …) than complaint cues (投诉, 扰民, 违规, 拖欠 …), or when the channel
says 咨询. Requests are grouped with the same topic discovery as the month's topics; a group asked by
at least MIN_SENDERS different people is a candidate: the answer is worth publishing once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from analysis.messages import Message
from analysis.topics.discovery import discover

INFO_CUES = (
    "咨询", "请问", "询问", "是否", "能否", "可否", "可不可以", "能不能", "有没有", "何时", "什么时候",
    "多久", "如何", "怎样", "怎么办理", "哪些", "哪里", "条件", "标准", "政策", "规定", "名单", "清单",
    "目录", "公示", "流程", "程序", "材料", "申请", "申报", "办理", "补贴", "补助", "奖补", "进展",
    "进度", "结果", "文件", "依据", "细则", "范围", "对象", "资格", "多少", "吗", "怎么", "哪",
)  # fmt: skip
COMPLAINT_CUES = (
    "投诉", "举报", "扰民", "噪音", "污染", "油烟", "违规", "违法", "违建", "乱收费", "拖欠", "强制",
    "不作为", "欺诈", "诈骗", "霸占", "严重影响", "恶臭", "安全隐患", "查处", "维权", "反对", "坑",
    "黑心", "威胁", "殴打", "曝光", "索要", "克扣", "无良", "不给", "拒不", "凭什么", "一刀切",
    "拉闸", "停产", "损失", "受害",
)  # fmt: skip
COMPLAINT_KINDS = {"投诉", "举报", "求助"}
# What the people ask for, by cue → the kind of document that would answer them all.
DISCLOSURE_KINDS = (
    (("名单", "清单", "目录", "公示", "名录"), "名单（清单）"),
    (("收费", "费用", "价格", "标准", "多少钱"), "收费标准"),
    (("条件", "资格", "申请", "申报", "流程", "程序", "材料", "办理", "对象", "范围"), "申请条件与办理流程"),
    (("补贴", "补助", "奖补", "发放"), "补贴政策与发放情况"),
    (("进展", "进度", "何时", "什么时候", "多久", "结果", "审批"), "进展情况"),
    (("政策", "文件", "规定", "依据", "细则"), "政策文件"),
)  # fmt: skip
MIN_SENDERS = 2
# Questions about one policy share its name but little else: a looser graph than for hot issues.
REQUEST_SIM_MIN = 0.15
REQUEST_RESOLUTION = 0.12
OPENING_CHARS = 200
_QUESTION = re.compile(r"[？?]")


def _cue_score(text: str, cues: Sequence[str]) -> int:
    return sum(1 for cue in cues if cue in text)


def request_score(message: Message) -> tuple[int, int]:
    """(information cues, complaint cues), the title counting double."""
    opening = message.body[:OPENING_CHARS]
    info = 2 * _cue_score(message.title, INFO_CUES) + _cue_score(opening, INFO_CUES)
    info += 2 * bool(_QUESTION.search(message.title)) + bool(_QUESTION.search(opening))
    complaint = 2 * _cue_score(message.title, COMPLAINT_CUES) + _cue_score(opening, COMPLAINT_CUES)
    return info, complaint


def is_information_request(message: Message) -> bool:
    """True for a request for information (policy, conditions, list, status, fee), not a complaint."""
    if message.request_kind in COMPLAINT_KINDS:
        return False
    info, complaint = request_score(message)
    if message.request_kind == "咨询":
        return complaint < 2
    return info >= 3 and complaint == 0 or info >= 3 * max(complaint, 1) + 2


@dataclass
class Candidate:
    subject: str
    suggested_title: str
    disclosure_kind: str
    keywords: list[str]
    places: list[str]
    member_ids: list[str]
    senders: int
    department: str | None
    replied: int  # members already answered
    answer_excerpt: str | None  # the fullest earlier reply, if any
    representative_id: str
    representative_title: str
    member_titles: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.member_ids)

    @property
    def answered_before(self) -> bool:
        return self.answer_excerpt is not None


def _kind(texts: Sequence[str]) -> str:
    counts: Counter[str] = Counter()
    for text in texts:
        for cues, kind in DISCLOSURE_KINDS:
            if any(c in text for c in cues):
                counts[kind] += 1
    return counts.most_common(1)[0][0] if counts else "有关情况说明"


def _subject(places: Sequence[str], keywords: Sequence[str]) -> str:
    """Up to two distinct terms naming what is asked: the main name first, then keywords."""
    terms: list[str] = []
    for term in [*places[:1], *keywords]:
        if not any(term in t or t in term for t in terms):
            terms.append(term)
        if len(terms) == 2:
            break
    return (
        "".join(terms)
        if len(terms) == 2 and len(terms[0]) + len(terms[1]) <= 6
        else "、".join(terms)
    )


def find_candidates(messages: Sequence[Message], *, limit: int = 20) -> list[Candidate]:
    """Recurring information requests among `messages`, most widely asked first."""
    requests = [m for m in messages if is_information_request(m)]
    if len(requests) < 2:
        return []
    out: list[Candidate] = []
    for cluster in discover(requests, sim_min=REQUEST_SIM_MIN, resolution=REQUEST_RESOLUTION):
        members = [requests[i] for i in cluster.members]
        senders = {m.user or f"#{m.id}" for m in members}
        if len(senders) < MIN_SENDERS:
            continue
        kind = _kind([m.title for m in members])
        subject = _subject(cluster.places, cluster.keywords)
        departments = Counter(m.department for m in members if m.department)
        replies = [m.reply for m in members if m.reply and len(m.reply.strip()) >= 30]
        rep = requests[cluster.representative]
        out.append(
            Candidate(
                subject=subject,
                suggested_title=f"关于{subject}的{kind}",
                disclosure_kind=kind,
                keywords=cluster.keywords,
                places=cluster.places,
                member_ids=[m.id for m in members],
                senders=len(senders),
                department=departments.most_common(1)[0][0] if departments else None,
                replied=len(replies),
                answer_excerpt=max(replies, key=len)[:300] if replies else None,
                representative_id=rep.id,
                representative_title=rep.title,
                member_titles=[m.title for m in members[:10]],
            )
        )
    out.sort(key=lambda c: (-c.senders, -c.size, c.representative_id))
    return out[:limit]
