"""依申请→主动公开 candidates: requests for information are listed, complaints are not."""

from __future__ import annotations

from analysis.messages import Message
from analysis.monthly.candidates import find_candidates, is_information_request

REQUESTS = [
    ("咨询省级专精特新中小企业认定条件", "请问认定条件和申报材料有哪些？去年的通知没有找到。"),
    ("专精特新中小企业申报需要哪些材料", "想了解专精特新认定的申报条件和时间。"),
    ("请问专精特新认定的研发费用比例怎么算", "专精特新认定中研发费用占比按哪一年计算？"),
    ("专精特新认定名单什么时候公布", "今年专精特新中小企业认定名单何时公示？"),
]
COMPLAINTS = [
    ("投诉某国企拖欠我公司货款两年", "拖欠货款86万元，多次催要不付，严重影响企业经营，请查处。"),
    ("举报化工园区企业夜间偷排废气", "园区企业晚上排放刺鼻废气，严重影响居民健康，要求查处。"),
    ("投诉某国企拖欠工程款不付", "对方违规拖欠工程款一年多，企业员工工资都发不出来。"),
    ("再次投诉拖欠中小企业账款", "拖欠问题仍未解决，对方拒不支付，请求督促。"),
]


def _messages() -> list[Message]:
    out = [
        Message(id=f"r{i}", title=t, body=b, user=f"q{i}", reply="您好，认定条件见厅网站通知……" * 3)
        for i, (t, b) in enumerate(REQUESTS)
    ]
    out += [
        Message(id=f"c{i}", title=t, body=b, user=f"p{i}") for i, (t, b) in enumerate(COMPLAINTS)
    ]
    return out


def test_requests_and_complaints_are_told_apart() -> None:
    for m in _messages():
        assert is_information_request(m) == m.id.startswith("r"), m.title


def test_channel_request_kind_wins() -> None:
    m = Message(id="x", title="企业用电问题", body="我们园区用电情况如何安排", request_kind="投诉")
    assert not is_information_request(m)
    m2 = Message(id="y", title="企业用电问题", body="园区用电安排", request_kind="咨询")
    assert is_information_request(m2)


def test_recurring_requests_become_a_candidate_and_complaints_do_not() -> None:
    candidates = find_candidates(_messages())
    assert candidates, "four people asking the same thing is a candidate"
    top = candidates[0]
    assert set(top.member_ids) <= {"r0", "r1", "r2", "r3"} and top.size >= 2
    assert top.senders == top.size
    assert top.answered_before and top.replied == top.size
    assert "专精特新" in top.suggested_title
    listed = {i for c in candidates for i in c.member_ids}
    assert not any(i.startswith("c") for i in listed), "complaints are never information requests"


def test_one_person_asking_twice_is_not_a_candidate() -> None:
    same = [Message(id=str(i), title=t, body=b, user="same") for i, (t, b) in enumerate(REQUESTS)]
    assert find_candidates(same) == []
