"""Topic discovery and hotness on small hand-written inputs: the behaviour the method promises."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from analysis.messages import Message
from analysis.topics.discovery import discover, place_counts, place_label, repeated_runs
from analysis.topics.hotness import hotness, rank_topics
from analysis.topics.neardup import near_duplicate_groups
from analysis.topics.terms import terms_of

T0 = datetime(2026, 10, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


def msg(
    i: int, title: str, body: str, user: str | None = None, likes: int = 0, day: int = 0
) -> Message:
    return Message(
        id=str(i),
        title=title,
        body=body,
        user=user or f"u{i}",
        likes=likes,
        posted_at=T0 + timedelta(days=day),
    )


def test_place_names_are_rebuilt_from_unknown_compounds() -> None:
    t = terms_of("A市伊景园滨河苑捆绑销售车位", "A5区劳动东路魅力之城小区临街门面油烟扰民")
    assert "伊景园滨河苑" in t.places
    assert any(p.startswith("魅力之城") for p in t.places)
    assert "A市" in t.admin and "A5区" in t.admin
    # generic words never name a topic
    assert not {"问题", "反映", "请求"} & set(t.words + t.title_words)


def test_near_duplicates_share_a_group_and_others_do_not() -> None:
    base = (
        "丽发新城小区旁边的搅拌站夜间施工，噪音和粉尘严重影响居民休息，请环保部门尽快查处。"
        "搅拌站的大货车每天凌晨进出小区门口，道路也被压坏了，希望有关部门重视。"
    )
    texts = [
        base,
        base.replace("尽快", "尽早"),
        base + "谢谢。",
        "专精特新中小企业认定需要哪些申报材料？",
    ]
    labels = near_duplicate_groups(texts)
    assert labels[0] == labels[1] == labels[2]
    assert labels[3] != labels[0]


def _noise_and_mixer() -> list[Message]:
    """Same problem (noise) at two places, and one place with many differently worded messages."""
    lifa = [
        ("丽发新城小区附近搅拌站噪音扰民", "丽发新城旁边的搅拌站昼夜施工，噪音太大睡不着。"),
        ("投诉丽发新城搅拌站粉尘污染", "丽发新城小区外搅拌站粉尘飘进家里，窗户都不敢开。"),
        ("丽发新城居民区违建搅拌站谁来管", "丽发新城居民区附近违规建设搅拌站，请相关部门查处。"),
        ("丽发新城小区旁搅拌站大货车扰民", "搅拌站的大货车半夜进出丽发新城门口，噪音很大。"),
        ("再次反映丽发新城搅拌站问题", "丽发新城搅拌站的噪音和灰尘问题反映多次仍未解决。"),
    ]
    yijing = [
        ("伊景园滨河苑夜间施工噪音扰民", "伊景园滨河苑工地晚上十一点后还在施工，噪音扰民。"),
        ("投诉伊景园滨河苑工地噪音", "伊景园滨河苑项目夜里打桩，噪音影响孩子休息。"),
        ("伊景园滨河苑施工扰民何时解决", "伊景园滨河苑工地噪音问题一直没人管。"),
    ]
    out = [msg(i, t, b, day=i) for i, (t, b) in enumerate(lifa)]
    out += [msg(10 + i, t, b, day=i) for i, (t, b) in enumerate(yijing)]
    out.append(msg(99, "咨询专精特新认定条件", "请问省级专精特新中小企业认定的条件和申报时间？"))
    return out


def test_one_place_is_one_topic_and_two_places_are_two() -> None:
    messages = _noise_and_mixer()
    clusters = discover(messages)
    where = {i: k for k, c in enumerate(clusters) for i in c.members}
    assert len({where[i] for i in range(5)}) == 1, "the 丽发新城 messages form one topic"
    assert len({where[i] for i in range(5, 8)}) == 1, "the 伊景园滨河苑 messages form one topic"
    assert where[0] != where[5], "the same problem at two places is two topics"
    assert where[8] not in (where[0], where[5])
    lifa = clusters[where[0]]
    assert any("丽发新城" in p for p in lifa.places)


def test_hotness_rewards_people_not_reposts() -> None:
    many, _ = hotness(volume=10, senders=10, likes=0, growth=0, channels=1, open_items=0)
    one, _ = hotness(volume=10**0.5, senders=1, likes=0, growth=0, channels=1, open_items=0)
    assert many > one
    grown, parts = hotness(volume=10, senders=10, likes=50, growth=6, channels=2, open_items=3)
    assert grown > many and set(parts) == {
        "volume",
        "senders",
        "likes",
        "growth",
        "channels",
        "open",
    }


def test_ranking_counts_senders_likes_and_growth() -> None:
    messages = _noise_and_mixer()
    ranked = rank_topics(messages, discover(messages))
    assert ranked[0].rank == 1 and ranked[0].size == 5
    assert ranked[0].hotness >= ranked[1].hotness
    assert ranked[0].senders == 5
    assert all(t.size >= 2 for t in ranked), "single messages are not topics"
    # growth: the last 30 days of the data against the 30 days before
    assert ranked[0].growth == 5 and ranked[0].previous == 0


def test_kinds_of_place_and_phases() -> None:
    """幼儿园 alone is a kind of place, not a name; what precedes 三期 is a compound's name."""
    t = terms_of("咨询A7县普惠性幼儿园招生问题", "我家住恒基凯旋门三期，配套幼儿园收费太高。")
    assert "幼儿园" not in t.places and "普惠性幼儿园" not in t.places
    assert any(p.startswith("恒基凯旋门") for p in t.places)


def _kindergartens_and_one_place() -> list[Message]:
    """One problem (配套幼儿园) at two compounds, one compound named without its suffix once; and
    one compound with two unrelated problems."""
    texts = [
        (
            "保利西海岸小区配套幼儿园迟迟不开园",
            "保利西海岸小区交房两年，配套幼儿园还没开园，孩子没有学上。",
        ),
        ("保利西海岸小区幼儿园何时交付", "保利西海岸小区的配套幼儿园一直不交付，业主孩子入园难。"),
        (
            "保利西海岸配套幼儿园迟迟不开园",
            "保利西海岸交房已经两年多，配套幼儿园迟迟不开园，孩子没有幼儿园读。",
        ),
        (
            "恒基凯旋门三期配套幼儿园办成普惠园",
            "恒基凯旋门三期的配套幼儿园收费太高，希望办成普惠园。",
        ),
        (
            "恒基凯旋门三期幼儿园收费太贵",
            "我是恒基凯旋门三期业主，配套幼儿园每月三千多，希望改为普惠。",
        ),
        (
            "恒基凯旋门小区配套幼儿园公办问题",
            "恒基凯旋门小区的配套幼儿园应当办成公办或普惠幼儿园。",
        ),
        (
            "深业睿城开发商违法出售人防车位",
            "深业睿城地下人防车位开发商对外销售，请查处人防车位买卖。",
        ),
        ("深业睿城地下人防车位归谁", "深业睿城f区地下人防车位开发商没有产权，却强行出售车位。"),
        (
            "深业睿城人防车位建设成本谁承担",
            "深业睿城地下人防车位的成本是否已计入购房款，开发商凭什么卖车位。",
        ),
        (
            "地铁3号线在深业睿城有出入口吗",
            "地铁3号线开通了，深业睿城这边一直没有地铁出入口，规划图上有。",
        ),
        ("深业睿城旁地铁站出口何时施工", "地铁3号线文体中心站靠深业睿城的出入口什么时候施工建设。"),
        (
            "咨询地铁3号线深业睿城出口设置",
            "请问地铁站在深业睿城西北角是否设出入口，对面的出口已建好。",
        ),
    ]
    return [msg(i, t, b, day=i) for i, (t, b) in enumerate(texts)]


def test_one_problem_at_one_place() -> None:
    clusters = discover(_kindergartens_and_one_place())
    where = {i: k for k, c in enumerate(clusters) for i in c.members}
    assert len({where[i] for i in range(3)}) == 1, "保利西海岸, with and without 小区, is one topic"
    assert len({where[i] for i in range(3, 6)}) == 1
    assert where[0] != where[3], "the same kindergarten problem at two compounds is two topics"
    assert len({where[i] for i in range(6, 9)}) == 1 and len({where[i] for i in range(9, 12)}) == 1
    assert where[6] != where[9], "two problems at one compound are two topics"


def test_dictionary_lookups_agree_with_jiebas_prefix_dictionary() -> None:
    """terms reads jieba's dict.txt itself (faster than jieba's cache): a word is known when jieba's
    prefix dictionary holds it (a word or the start of one), common from COMMON_FREQ."""
    import logging

    import jieba

    from analysis.topics.terms import COMMON_FREQ, _common, _known

    logging.getLogger("jieba").setLevel(logging.WARNING)
    jieba.dt.initialize()
    freq = jieba.dt.FREQ
    sample = list(freq)[::50]
    probes = sample + [w + "苑" for w in sample[:2000]] + ["伊景园滨河苑", "丽发新城", "龢"]
    assert [_known(w) for w in probes] == [w in freq for w in probes]
    assert [_common(w) for w in probes] == [freq.get(w, 0) >= COMMON_FREQ for w in probes]
    assert any(_known(w) and freq[w] == 0 for w in sample), "prefixes count as known"


def _datasketch_groups(texts: list[str]) -> list[int]:
    """Near-duplicate groups the way datasketch finds them: MinHash per text, MinHashLSH query."""
    from datasketch import MinHash, MinHashLSH
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from analysis.topics.neardup import NUM_PERM, THRESHOLD, shingles

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    hashes, edges = [], []
    for i, text in enumerate(texts):
        m = MinHash(num_perm=NUM_PERM, hashfunc=lambda v: v, scheme="affine64", seed=1)
        m.update_batch(shingles(text).tolist())
        edges += [(i, j) for j in lsh.query(m) if m.jaccard(hashes[j]) >= THRESHOLD]
        lsh.insert(i, m)
        hashes.append(m)
    rows, cols = zip(*edges, strict=True) if edges else ((), ())
    graph = coo_matrix(([1] * len(rows), (rows, cols)), shape=(len(texts), len(texts)))
    return connected_components(graph, directed=False)[1].tolist()


def test_near_duplicate_groups_equal_datasketchs() -> None:
    """The numpy MinHash and bands give datasketch's values, bands and so its groups."""
    import random

    from datasketch import MinHash, MinHashLSH

    from analysis.topics.neardup import (
        BANDS,
        NUM_PERM,
        ROWS,
        THRESHOLD,
        permutations,
        shingles,
        signatures,
    )

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    assert (lsh.b, lsh.r) == (BANDS, ROWS)
    texts = ["丽发新城小区旁边的搅拌站夜间施工，噪音和粉尘严重。", "车位", "", "A3区 路灯不亮"]
    m = MinHash(num_perm=NUM_PERM, hashfunc=lambda v: v, scheme="affine64", seed=1)
    assert (m.permutations == permutations()).all()
    m.update_batch(shingles(texts[0]).tolist())
    assert (signatures([shingles(texts[0])], permutations())[0] == m.hashvalues).all()

    # Re-posts with one character changed at a time drift apart in chains; copies are exact.
    rng = random.Random(7)
    base = [
        "丽发新城小区旁边的搅拌站夜间施工，噪音和粉尘严重影响居民休息，请环保部门尽快查处。",
        "伊景园滨河苑开发商捆绑销售车位，不买车位就不给办理交房手续，请住建部门调查处理。",
        "咨询专精特新中小企业认定需要哪些申报材料，申报时间是什么时候，在哪里提交。",
        "地铁3号线文体中心站靠深业睿城的出入口什么时候施工建设，规划图上有这个出口。",
    ]
    texts = []
    for text in base * 6:
        for _ in range(rng.randrange(4)):
            k = rng.randrange(len(text))
            text = text[:k] + rng.choice("的了我们请车站") + text[k + 1 :]
        texts.append(text)
    texts += texts[:3] + ["", "车位"]
    ours = near_duplicate_groups(texts).tolist()
    theirs = _datasketch_groups(texts)
    same = [[a == b for b in ours] for a in ours]
    assert same == [[a == b for b in theirs] for a in theirs]
    assert len(set(ours)) < len(texts) - 3, "some re-posts are grouped"


def test_equally_scored_keywords_keep_the_order_they_first_appear_in() -> None:
    """Ties are not left to set order, which changes from run to run with Python's string hashing."""
    words = ["搅拌站", "噪音", "粉尘", "货车", "凌晨", "道路", "环保", "查处"]
    messages = [msg(i, "".join(words), "") for i in range(2)]
    clusters = discover(messages)
    assert len(clusters) == 1
    assert clusters[0].keywords == terms_of("".join(words), "").title_words
    assert len(clusters[0].keywords) >= 6


def test_name_trigrams_follow_the_names_order() -> None:
    """Feature bags do not depend on a set's order (it changes with Python's string hashing, and with
    it the last bits of the TF-IDF rows, which decide ties such as a two-message topic's representative)."""
    from analysis.topics.features import prefixed
    from analysis.topics.terms import Terms, trigrams

    places = ["伊景园滨河苑", "丽发新城", "魅力之城小区", "恒基凯旋门", "深业睿城", "保利西海岸"]
    bag = prefixed(Terms(words=[], title_words=[], places=places, areas=[], admin=[]))
    assert [t for t in bag if t.startswith("g:")] == [f"g:{g}" for p in places for g in trigrams(p)]


def _compound_with_three_problems(name_again: bool) -> list[Message]:
    """One compound, three problems (a garbage station, cracked floors, its kindergarten), one of
    them also worded with another compound (垃圾楼 for 垃圾站). Each message as title, body naming
    the compound once, body naming it again and again as people do ("我是华远云时代业主，华远云时代…")."""
    texts = [
        (
            "华远云时代小区旁边要建垃圾站",
            "华远云时代三期北面正在修建垃圾站，离住宅楼不到二十米，开发商事先没有公示，"
            "云时代小区业主担心臭味。",
            "我是华远云时代业主，华远云时代三期北面正在修建垃圾站，离住宅楼太近。",
        ),
        (
            "反对在华远云时代门口建垃圾站",
            "华远云时代小区门口的垃圾站选址太近，夏天臭气熏天，请规划部门重新选址。",
            "华远云时代开发商把垃圾站建在小区门口，夏天臭气熏天。",
        ),
        (
            "华远云时代附近建垃圾楼是真的吗",
            "听说华远云时代北门要建一栋垃圾楼，请问有没有规划公示？",
            "听说华远云时代北门要建一栋垃圾楼？",
        ),
        (
            "华远云时代房屋质量问题严重",
            "华远云时代二期交房后发现楼板有贯穿裂缝，卫生间漏水，云时代小区业主请质监部门查处。",
            "我是华远云时代业主，华远云时代二期交房后发现楼板有裂缝，华远云时代开发商不管。",
        ),
        (
            "华远云时代多栋房子出现裂缝",
            "我是华远云时代5栋业主，主卧次卧楼板裂缝渗水，开发商只是刷漆掩盖质量问题。",
            "我是华远云时代5栋业主，楼板裂缝渗水，华远云时代房屋质量堪忧。",
        ),
        (
            "华远云时代新房裂缝漏水谁来管",
            "华远云时代刚交房就出现墙面裂缝和漏水，房屋质量堪忧，维修多次仍未解决。",
            "华远云时代刚交房就出现墙面裂缝和漏水，华远云时代业主很担心。",
        ),
        (
            "华远云时代配套幼儿园办成营利性",
            "华远云时代小区配套幼儿园没有移交政府，开发商私自引进营利性幼儿园，收费每月三千元。",
            "我是华远云时代业主，华远云时代小区配套幼儿园没有移交政府，开发商私自引进营利性幼儿园。",
        ),
        (
            "华远云时代幼儿园收费过高",
            "华远云时代配套幼儿园应办成公办园或普惠园，现在收费远超普惠标准。",
            "华远云时代配套幼儿园应办成公办园或普惠园，现在收费远超普惠标准。",
        ),
        (
            "投诉华远云时代配套幼儿园违规办园",
            "云时代小区配套幼儿园未经招标引进民办园，违背普惠性幼儿园政策。",
            "云时代小区配套幼儿园未经招标引进民办园，违背普惠性幼儿园政策。",
        ),
    ]
    messages = [
        msg(i, title, again if name_again else once, day=i)
        for i, (title, once, again) in enumerate(texts)
    ]
    if name_again:  # and the last one by its short name only
        messages[-1] = replace(messages[-1], title="投诉云时代小区配套幼儿园违规办园")
    return messages


@pytest.mark.parametrize("name_again", [False, True])
def test_problems_of_one_compound_are_apart_and_one_problem_stays_whole(name_again: bool) -> None:
    """Three problems at one compound are three topics, and 垃圾楼 stays with 垃圾站, however often
    the messages repeat the compound's name. Before, the name's words left among the problem words
    decided it: written once, 垃圾楼 came out alone; written again and again, the garbage station and
    the cracked floors came out as one topic."""
    clusters = discover(_compound_with_three_problems(name_again))
    where = {i: k for k, c in enumerate(clusters) for i in c.members}
    assert len({where[i] for i in range(3)}) == 1, "垃圾站 and 垃圾楼 are one problem"
    assert len({where[i] for i in range(3, 6)}) == 1
    assert len({where[i] for i in range(6, 9)}) == 1
    assert len({where[0], where[3], where[6]}) == 3, "three problems at one compound, three topics"


def test_cosines_without_shared_place_columns_equal_pair_by_pair_masking() -> None:
    """The all-pairs shortcut gives what leaving the columns out of each pair's rows gives."""
    import numpy as np
    from scipy.sparse import random as sparse_random

    from analysis.topics.regroup import _cosines_without_shared

    rng = np.random.default_rng(3)
    rows = sparse_random(6, 12, density=0.5, format="csr", random_state=3)
    place_columns = [set(rng.choice(12, size=rng.integers(0, 4), replace=False)) for _ in range(6)]
    sims = _cosines_without_shared(rows, place_columns)
    dense = rows.toarray()
    for a in range(6):
        for b in range(6):
            if a == b:
                continue
            keep = [c for c in range(12) if c not in place_columns[a] & place_columns[b]]
            va, vb = dense[a, keep], dense[b, keep]
            norm = np.linalg.norm(va) * np.linalg.norm(vb)
            assert sims[a, b] == pytest.approx(va @ vb / norm if norm else 0.0)


def test_place_label_names_the_place_most_members_give() -> None:
    """Made-up names: the topic's place is its most frequent name in any spelling; a fuller
    spelling stands for a shorter one, a word glued on by the segmenter does not; other compounds
    a message compares with are left out, a street stays."""
    counts = place_counts(
        [
            (2, {"北辰城际站"}),  # a near-duplicate pair: two members
            (1, {"城际站"}),
            (1, {"南辰城际站", "枫林路"}),
            (1, {"城际站", "枫林路"}),
        ]
    )
    assert counts["城际站"] == 5 and counts["枫林路"] == 2 and counts["北辰城际站"] == 2
    assert place_label(Counter({"云杉": 10, "云杉家园": 8}), 10, set()) == ["云杉家园"]
    assert place_label(Counter({"云杉": 10, "云杉家园": 4}), 10, set()) == ["云杉"]
    # 距离 is an ordinary word: 距离翠竹湾 is 翠竹湾 with a word glued on, not a fuller name.
    assert place_label(Counter({"翠竹湾": 7, "距离翠竹湾": 4}), 7, {"翠竹湾"}) == ["翠竹湾"]
    # Compared with 青枫苑 and 白石园 (sites); 长宁路 is the street: context that stays.
    counts = Counter({"翠竹湾": 7, "青枫苑": 5, "白石园": 5, "长宁路": 4})
    assert place_label(counts, 7, {"翠竹湾", "青枫苑", "白石园"}) == ["翠竹湾", "长宁路"]
    # Given by under half as many members as the first, or under a third of all: not the place.
    assert place_label(Counter({"翠竹湾": 9, "长宁路": 4}), 9, {"翠竹湾"}) == ["翠竹湾"]
    assert place_label(Counter({"翠竹湾": 2, "长宁路": 2}), 9, {"翠竹湾"}) == []
    # Equally frequent: the site before the street.
    assert place_label(Counter({"长宁路": 4, "翠竹湾": 4}), 4, {"翠竹湾"}) == ["翠竹湾", "长宁路"]


def test_place_label_leaves_its_arguments_as_they_are() -> None:
    """A fuller spelling takes over a shorter one's count and site-ness in place_label's own
    copies: the caller's counts and sites are unchanged, and a second call gives the same."""
    counts = Counter({"云杉": 10, "云杉家园": 6, "长宁路": 5})
    sites = {"云杉"}
    first = place_label(counts, 10, sites)
    assert counts == Counter({"云杉": 10, "云杉家园": 6, "长宁路": 5})
    assert sites == {"云杉"}
    assert first == ["云杉家园", "长宁路"] == place_label(counts, 10, sites)


def _compound_with_a_burst() -> list[Message]:
    """A made-up compound: eight people over three weeks about a concrete plant next to it, and a
    ninth in other words (a "工厂" that roars and raises dust), close to one of the eight but not to
    what most of them say; months before, its unpaved road and its third phase built without
    permits (违建, as one of the eight calls the plant); during the burst, its parking fees."""
    burst = [
        (
            "青枫苑小区旁边建搅拌站噪音扰民",
            "青枫苑小区附近新建混凝土搅拌站，噪音很大，晚上无法休息。",
        ),
        ("青枫苑附近搅拌站灰尘大", "青枫苑小区旁的搅拌站粉尘满天飞，窗户都不敢开，噪音扰民。"),
        ("投诉青枫苑小区附近违建搅拌站", "青枫苑小区附近违规建设搅拌站，噪音和粉尘污染严重。"),
        ("青枫苑搅拌站污染环境", "搅拌站就在青枫苑小区旁边，粉尘污染，运渣车噪音不断。"),
        ("青枫苑小区旁的搅拌站何时拆除", "青枫苑小区附近的搅拌站噪音扰民，请环保部门查处。"),
        ("再次投诉青枫苑搅拌站", "青枫苑小区旁搅拌站夜间施工，噪音粉尘严重影响居民生活。"),
        (
            "青枫苑小区居民被搅拌站折磨",
            "青枫苑小区附近的搅拌站整日运作，粉尘大，声音刺耳，孩子无法休息。",
        ),
        ("青枫苑搅拌站还在违规生产", "青枫苑小区附近搅拌站仍在生产，粉尘噪音污染没有改善。"),
    ]
    messages = [msg(i, title, body, day=100 + 3 * i) for i, (title, body) in enumerate(burst)]
    reworded = (
        "昼夜轰鸣的青枫苑小区",
        "青枫苑小区附近新建了一处工厂，整日运作，声音刺耳，粉尘污染，居民无法休息。",
    )
    road = (
        "青枫苑小区门口道路坑坑洼洼",
        "青枫苑小区门口的道路至今没有铺沥青，下雨泥巴，出行不便。",
    )
    fees = (
        "青枫苑小区物业乱收停车费",
        "青枫苑小区物业擅自上调地面停车费，每月收三百元，没有公示。",
    )
    messages.append(msg(8, *reworded, day=110))
    messages.append(msg(9, *road, day=10))
    messages.append(msg(10, *fees, day=108))
    # Before the burst: whether its third phase, built without permits, will be handed over.
    permits = ("青枫苑三期违建会影响交房吗", "听说青枫苑三期是违规建设，违建会不会影响交房？")
    messages.append(msg(11, *permits, day=40))
    return messages


def test_a_reworded_message_joins_the_burst_at_its_place_and_other_problems_stay_apart() -> None:
    clusters = discover(_compound_with_a_burst())
    where = {i: k for k, c in enumerate(clusters) for i in c.members}
    assert len({where[i] for i in range(8)}) == 1
    assert where[8] == where[0], "the noisy, dusty 工厂 is the 搅拌站 the others write about"
    assert where[9] != where[0], "the road, months before, is another problem"
    assert where[10] != where[0], "the parking fees, during the burst, are another problem"
    assert where[11] != where[0], (
        "违建 months before, as one member says 违建搅拌站: another problem"
    )


def test_a_compound_named_without_a_suffix_is_the_topics_place() -> None:
    """Made-up compounds written without 小区/苑/园: 东坪|九曲溪 (two words jieba tags as places),
    which most members repeat, is where the topic is; the 加油站 they pass on their way out is
    not, and neither is a longer phrase that only begins with the name (东坪九曲溪门前道路)."""
    texts = [
        (
            "东坪九曲溪交房在即门前没有路",
            "我是东坪九曲溪的业主，小区门前规划的道路还是一堆黄土，只能从加油站旁边进出。",
        ),
        ("东坪九曲溪业主出行难", "东坪九曲溪门前道路迟迟不修，业主只能绕行加油站旁边的便道。"),
        ("东坪九曲溪门口道路何时修建", "东坪九曲溪已经交房，门前规划道路一直没有动工，出行困难。"),
        ("北岭云栖谷夜间施工噪音扰民", "北岭云栖谷旁边工地每天夜里施工，噪音很大，居民无法休息。"),
        ("北岭云栖谷工地半夜还在施工", "北岭云栖谷附近工地半夜施工，噪音扰民，请城管查处。"),
        ("投诉北岭云栖谷工地噪音", "北岭云栖谷周边工地夜间施工不停，噪音严重影响休息。"),
    ]
    clusters = discover([msg(i, t, b, day=i) for i, (t, b) in enumerate(texts)])
    where = {i: c for c in clusters for i in c.members}
    assert where[0].members == [0, 1, 2] and where[3].members == [3, 4, 5]
    assert where[0].places == ["东坪九曲溪"]
    assert where[3].places == ["北岭云栖谷"]


def test_suffix_less_names_are_runs_of_rare_name_words_that_members_repeat() -> None:
    assert terms_of("投诉东坪九曲溪开发商", "").name_runs == ["东坪九曲溪"]
    # Everyday words (城市, 北京, 湖北 are frequent in jieba's dictionary), a verb, a province.
    assert terms_of("湖北武汉的朋友来北京城市规划馆参观", "").name_runs == []
    assert terms_of("东坪九曲溪西地省", "").name_runs == ["东坪九曲溪"]
    # Half the members, in two messages that are not copies of one another.
    assert repeated_runs([(1, {"东坪九曲溪"}), (1, {"东坪九曲溪"}), (2, set())], 4) == {
        "东坪九曲溪"
    }
    assert repeated_runs([(3, {"东坪九曲溪"}), (1, set())], 4) == set(), "one text, three copies"
    assert repeated_runs([(1, {"东坪九曲溪"}), (1, {"东坪九曲溪"}), (3, set())], 5) == set()
    # A longer run gives the runs it holds.
    assert repeated_runs([(1, {"南坪东坪九曲溪"}), (1, {"东坪九曲溪"})], 2) == {"东坪九曲溪"}
