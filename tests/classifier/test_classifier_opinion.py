"""舆情 topic tags and risk levels from data/topics.toml, on written examples."""

from __future__ import annotations

import pytest

from classifier.opinion.risk import assess_risk
from classifier.opinion.topics import (
    ConfigError,
    load_opinion_config,
    parse_opinion_config,
    tag_topics,
)


@pytest.fixture(scope="module")
def config():
    return load_opinion_config()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("某国企拖欠我们货款两百万，对方说要等审计", {"拖欠中小企业账款"}),
        ("请问省级专精特新中小企业的申报条件", {"专精特新"}),
        ("技改补贴迟迟没有到账", {"技改补贴"}),
        ("工业园区突然拉闸限电，生产线停了", {"限电"}),
        ("楼顶要装 5g 基站，业主担心辐射", {"5G基站"}),
        ("化工园区一家企业发生气体泄漏", {"化工园区", "安全生产"}),
        ("开发区办事吃拿卡要，严重破坏营商环境", {"营商环境"}),
        ("软件企业认定取消后双软优惠还有吗", {"软件企业认定"}),
        ("工业互联网标识解析二级节点建设", {"工业互联网"}),
        ("孩子学校食堂饭菜质量差", set()),
    ],
)
def test_topic_tags(config, text, expected):
    assert set(tag_topics(text, config)) == expected


def test_plain_question_is_general_risk(config):
    result = assess_risk("请问专精特新小巨人的奖励资金什么时候发放？", config)
    assert result.level == "一般" and result.score == 0 and result.reasons == []


def test_collective_complaint_with_media_is_serious(config):
    text = "我们三家企业联名投诉：某集团拖欠货款五百多万，已经有媒体记者联系我们采访。"
    result = assess_risk(text, config)
    assert result.level == "重大"
    assert {"投诉", "群体性", "媒体曝光"} <= set(result.signals)
    assert any("联名" in reason for reason in result.reasons)


def test_casualty_signal_sets_minimum_level(config):
    result = assess_risk("镇上一家工厂发生爆炸，有人员受伤", config)
    assert "人身安全" in result.signals
    assert result.level in {"较大", "重大"}


def test_repeated_complaints_raise_the_level(config):
    text = "企业投诉开发区重复检查，要求尽快处理"
    once = assess_risk(text, config, repeat_count=0)
    again = assess_risk(text, config, repeat_count=3)
    assert again.score == once.score + 2
    assert any("重复投诉" in reason for reason in again.reasons)
    assert config.level_rank(again.level) >= config.level_rank(once.level)


def test_config_needs_a_base_level():
    with pytest.raises(ConfigError):
        parse_opinion_config({"level": [{"name": "高", "min_score": 3}]})
