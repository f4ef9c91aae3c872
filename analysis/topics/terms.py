"""Terms of a message for topic discovery: content words, and place/organisation names weighted apart.

A hot issue in citizens' messages is usually one problem at one place, so the place carries the
grouping. jieba's POS tags alone split unknown compound names ("伊景园滨河苑" → 伊/景园/滨河/苑), so a
name is rebuilt from a run of noun-like tokens that ends in a place or organisation suffix (小区, 路,
学校, 公司 …); its character trigrams are added too, so "伊景园" and "伊景园滨河苑" still meet.
Generic words (问题, 反映, 请求 …) and the masked administrative prefixes (A市, A3区) carry no grouping.
"""

from __future__ import annotations

import importlib.util
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from classifier.words.userdict import userdict_entries

# Place/organisation suffixes: a noun run ending in one of these is a name. Areas (a town, a street,
# a lake district, a road) hold many unrelated issues, so they weigh less than a compound or a school.
SPECIFIC_SUFFIXES = (
    "小区", "花园", "家园", "公寓", "山庄", "广场", "大厦", "中心", "市场", "公园", "新城", "新村",
    "苑", "园", "城", "府", "湾", "庄", "院", "楼", "栋", "村", "组", "桥", "站", "港", "码头",
    "学校", "学院", "大学", "中学", "小学", "幼儿园", "医院", "卫生院",
    "公司", "集团", "厂", "银行", "酒店", "项目", "工地", "基地", "园区",
)  # fmt: skip
AREA_SUFFIXES = (
    "镇",
    "乡",
    "社区",
    "街道",
    "路",
    "大道",
    "街",
    "巷",
    "高速",
    "线",
    "河",
    "湖",
    "江",
)
PLACE_SUFFIXES = SPECIFIC_SUFFIXES + AREA_SUFFIXES
# Organisations are often the party several unrelated issues share (自来水公司, 物业公司); a site
# (a compound, a school, a village) is where one issue is.
ORG_SUFFIXES = ("公司", "集团", "银行", "中心", "项目", "基地")
# A road or town before a name is an address, not part of the name (劳动东路|魅力之城); a river or
# lake often is part of it (滨河苑, 梅溪湖壹号).
_BOUNDARY_SUFFIXES = ("路", "街道", "大道", "社区", "镇", "乡")
# Government bodies are whom people write to, not where the issue is.
GOVERNMENT_SUFFIXES = (
    "政府",
    "局",
    "厅",
    "委",
    "委员会",
    "热线",
    "信箱",
    "法院",
    "检察院",
    "国务院",
    "办",
)
ORG_TAGS = {"nt", "nz", "ns", "nr", "nrt", "nrfg"}
NAME_TAGS = ORG_TAGS
NOUNISH = ORG_TAGS | {"n", "ng", "j", "eng", "l", "an", "s"}
# A word this common before a suffix makes a kind of place (配套幼儿园), not a name.
COMMON_FREQ = 250
TYPE_WORDS = {
    "普惠性",
    "普惠",
    "营利",
    "公益",
    "配套",
    "公立",
    "公办",
    "民办",
    "私立",
    "附近",
    "周边",
    "新建",
    "老旧",
}
_DATE = re.compile(r"[一二三四五六七八九十\d]+(月份|月|年|日|号)")
# A phase of a residential development (三期, 2期): what comes before it is a compound's name even
# without a suffix (恒基凯旋门三期, 万国三期小区).
_PHASE = re.compile(r"[一二三四五六七八九十\d]+期")
# A name that starts like this is a description (部分银行, 一些小区), not a name.
_VAGUE = (
    "部分",
    "很多",
    "一些",
    "所有",
    "各个",
    "该",
    "本",
    "此",
    "这",
    "那",
    "其他",
    "周边",
    "附近",
)
# Words that tell nothing about which issue a message is about.
GENERIC = set(
    "问题 反映 反应 请求 希望 领导 相关 部门 政府 我们 市民 居民 群众 解决 情况 要求 关于 咨询 投诉 建议 您好 你好 "
    "谢谢 请问 现在 目前 已经 没有 一个 这个 什么 为什么 怎么 如何 可以 能否 是否 进行 存在 严重 影响 "
    "工作 有关 单位 处理 给予 尽快 时间 我们 他们 一些 多次 一直 本人 自己 大家 还有 但是 由于 因为 所以 "
    "事情 地方 方面 要求 导致 造成 发生 出现 相关部门 有关部门 各位 尊敬 市长 书记 局长 区长 县长 "
    "回复 答复 留言 网友 家长 业主 百姓 老百姓 人员 工作人员 进行 予以 及时 不能 不是 不会 无法 "
    "一下 一样 以及 以上 以下 其中 其他 之后 之前 今年 去年 每天 每年 年月 月份 "
    "加快 加大 大力 力度 步伐 推进 推动 落实 小区 "
    "A市 西地省 市区".split()
)  # fmt: skip
# Masked administrative codes of the benchmark data (A市, A3区, B2县) and real ones (长沙市, 岳麓区).
_ADMIN = re.compile(r"[A-Z]\d*[省市区县]|[\u4e00-\u9fff]{1,4}[省市县]")
_MASKED_ADMIN = re.compile(r"[A-Z]\d*[省市区县]")
_CJK = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_CJK_ONLY = re.compile(r"[\u4e00-\u9fff]+")
_SPACE = re.compile(r"\s+")
# The body adds context but its tail rarely names the issue; reading all of it costs time for no gain.
BODY_CHARS = 400


@dataclass(frozen=True)
class Terms:
    words: list[str]
    title_words: list[str]
    places: list[str]  # rebuilt names of compounds, schools, firms, projects …
    areas: list[str]  # towns, streets, roads, lake districts: context more than identity
    admin: list[str]  # administrative areas (A3区): context, not identity
    # Content words jieba tags as place names (新城 of 新城国际花都, which the rebuilt name leaves
    # out): where, not what happened.
    place_words: list[str] = field(default_factory=list)
    # Runs of tokens that begin and end with a word jieba tags as a name or does not know, with no
    # suffix (南山/ns 十里/m 天池/ns): a compound named without 小区 may be one. One message's run
    # is often not a name (湖北武汉); what most of a topic's members repeat is (`name_runs_of`).
    name_runs: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def _tagger() -> Any:
    import rjieba

    seg = rjieba.Jieba()
    for word, freq, tag in userdict_entries():
        seg.add_word(word, freq, tag or "nz")  # the userdict holds policy and industry terms
    return seg


# One line of jieba's dict.txt: word, frequency, tag.
_DICT_ENTRY = re.compile(r"^(\S+) (\d+)", re.MULTILINE)


@lru_cache(maxsize=1)
def _dictionary() -> tuple[list[str], frozenset[str], frozenset[str]]:
    """jieba's default dictionary: its words sorted, those at least COMMON_FREQ frequent, and those
    at least NAME_PART_FREQ frequent.

    Read from jieba's dict.txt: loading jieba's own prefix dictionary (its cache) costs a second,
    as long as tagging a month of messages."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("jieba")
    text = (Path(spec.origin).parent / "dict.txt").read_text(encoding="utf-8")
    freq = dict(_DICT_ENTRY.findall(text))  # a word listed twice: the last line counts, as in jieba
    common = [w for w, f in freq.items() if int(f) >= COMMON_FREQ]
    frequent = frozenset(w for w in common if int(freq[w]) >= NAME_PART_FREQ)
    return sorted(freq), frozenset(common), frequent


def _known(word: str) -> bool:
    """A dictionary word or the beginning of one: the keys of jieba's prefix dictionary."""
    words = _dictionary()[0]
    i = bisect_left(words, word)
    return i < len(words) and words[i].startswith(word)


def _in_dictionary(word: str) -> bool:
    words = _dictionary()[0]
    i = bisect_left(words, word)
    return i < len(words) and words[i] == word


def _frequent(word: str) -> bool:
    return word in _dictionary()[2]


def _common(word: str) -> bool:
    return word in _dictionary()[1]


def begins_with_common_word(text: str) -> bool:
    """Whether the text starts with a common word of two or more characters (距离, 房子, 新闻)."""
    return any(_common(text[:j]) for j in range(2, min(len(text), 4) + 1))


# What a token does in _scan: ends the current run, marks a phase (三期), joins the run, or
# joins it only if a run is under way (之).
_BREAK, _PHASE_MARK, _JOIN, _JOIN_IF_RUN = range(4)
_SPECIFIC, _AREA = 1, 2
# What a token does in a suffix-less name run: ends (or begins) one, sits inside one, or breaks it.
_RUN_BREAK, _RUN_INNER, _RUN_END = range(3)
_Token = tuple[bool, bool, int, int, bool, bool, bool, int]
# (word, tag) → _token(word, tag). A month holds a few ten thousand distinct tokens, each seen
# many times; the cache is emptied when it grows past the limit.
_TOKENS: dict[tuple[str, str], _Token] = {}
_TOKENS_MAX = 1 << 17


def _token(word: str, tag: str) -> _Token:
    """Everything _scan asks of one tagged token: (joins a preceding number, is a number or code,
    step, place suffix kind, organisation tag, names an organisation on its own, content word,
    part in a suffix-less name run)."""
    joins = tag in {"n", "nz", "vn"} and len(word) >= 2 and word not in GENERIC
    code = tag in {"m", "eng"} and word.isascii() and any(c.isdigit() for c in word)
    if _MASKED_ADMIN.fullmatch(word):
        step = _BREAK
    elif _PHASE.fullmatch(word):
        step = _PHASE_MARK
    else:
        step = _name_step(word, tag)
    suffix = 0
    if word.endswith(PLACE_SUFFIXES) and not word.endswith(GOVERNMENT_SUFFIXES):
        suffix = _AREA if word.endswith(AREA_SUFFIXES) else _SPECIFIC
    named = (
        tag in {"nt", "nz"}
        and len(word) >= 3
        and not word.endswith(GOVERNMENT_SUFFIXES)
        and not _DATE.search(word)
    )
    content = (
        len(word) >= 2
        and word not in GENERIC
        and tag[:1] in {"n", "v", "a", "j", "l", "e", "m"}
        and not word.isdigit()
        and bool(_CJK.search(word))
    )
    return joins, code, step, suffix, tag in ORG_TAGS, named, content, _run_part(word, tag)


# Tags of the words a suffix-less name is made of: names, nouns, numbers (十里), places,
# directions (南麓). A word jieba does not know but tags a verb or adjective (可研, 踏烂) is not.
_RUN_TAGS = NAME_TAGS | {"m", "n", "ng", "f", "s", "j"}
# Words this frequent in jieba's dictionary are everyday words (国际, 城市, 旁边, 北京), not parts of
# a compound's name; the parts of 南山十里天池 are rare (310, 414, 375).
NAME_PART_FREQ = 1000
_NOUN_TAGS = {"n", "ng", "j"}


def _run_part(word: str, tag: str) -> int:
    """A word jieba tags as a name (ns, nr, nz, nt) or does not know ends a name run; other rare
    nouns and numbers may sit inside one. Function words, verbs, digits, generic and frequent words
    break it, and so does a word with a place suffix: that name is rebuilt by `_scan` already."""
    if (
        len(word) < 2
        or tag not in _RUN_TAGS
        or not _CJK_ONLY.fullmatch(word)
        or word in GENERIC
        or word.endswith(PLACE_SUFFIXES + GOVERNMENT_SUFFIXES)
        or _frequent(word)
    ):
        return _RUN_BREAK
    if tag in NAME_TAGS or (tag in _NOUN_TAGS and not _in_dictionary(word)):
        return _RUN_END
    return _RUN_INNER


def _name_step(word: str, tag: str) -> int:
    """Whether the token can be part of a name."""
    if tag in NOUNISH:
        return _JOIN
    if tag == "m":  # 3号线, 58车贷; not 一个
        return _JOIN if word.isascii() else _BREAK
    if word == "之":
        return _JOIN_IF_RUN
    # Single-character verbs (距, 临, 建) are never part of a name.
    if tag[:1] in {"v", "a", "d"} and len(word) >= 2 and not _known(word) and _CJK.match(word):
        return _JOIN
    return _BREAK


def _name_ending_here(run: list[str]) -> list[str]:
    """The name that ends with the run's last token: back to the previous place word at most
    ("劳动东路魅力之城小区" gives 魅力之城小区, the road being a name of its own)."""
    parts = [run[-1]]
    for word in reversed(run[:-1]):
        if (
            len(parts) >= 5
            or word.endswith(_BOUNDARY_SUFFIXES)
            or (len(word) > 1 and word in SPECIFIC_SUFFIXES)
        ):
            break
        parts.append(word)
    return parts[::-1]


# A suffix-less name is at most this many tokens (南山|十里|天池).
RUN_TOKENS = 4


def _scan(
    tagged: list[tuple[str, str]],
) -> tuple[list[str], list[str], list[str], list[str], list[str]]:
    """Names of places/organisations (specific, area): noun runs ending in a suffix, nt/nz words;
    the content words; those of them tagged as place names; and suffix-less name runs."""
    places: list[str] = []
    name_runs: list[str] = []
    name_run: list[tuple[str, int]] = []
    areas: list[str] = []
    words: list[str] = []
    place_words: list[str] = []
    run: list[str] = []
    tags: list[str] = []
    prev = ""
    if len(_TOKENS) > _TOKENS_MAX:
        _TOKENS.clear()
    for pair in tagged:
        info = _TOKENS.get(pair)
        if info is None:
            info = _TOKENS[pair] = _token(*pair)
        joins, code, step, suffix, org, named, content, run_part = info
        word = pair[0]
        if run_part == _RUN_BREAK:
            if name_run:
                if len(name_run) > 1:
                    _end_name_run(name_run, name_runs)
                name_run = []
        else:
            name_run.append((word, run_part))
        if content:
            words.append(word)
            if pair[1] == "ns":
                place_words.append(word)
        # A number or code joined to a noun names a case, a line or a product (58车贷, 3号线).
        if prev and joins:
            places.append(prev + word)
        prev = word if code else ""
        if step == _BREAK or (step == _JOIN_IF_RUN and not run):
            if run:
                run, tags = [], []
            continue
        if step == _PHASE_MARK:
            if run and _name_ok(run, tags[-1]):
                places.append("".join(_name_ending_here(run)) + word)
            run, tags = [], []
            continue
        run.append(word)
        tags.append(pair[1])
        if suffix:
            parts = _name_ending_here(run)
            # One plain dictionary noun (垃圾站, 幼儿园), or common words before the suffix
            # (配套幼儿园, 自来水公司, 汽车站), is a kind of place, not a place.
            if len(parts) < 2 and not org:
                continue
            if len(parts) == 2 and (parts[0] in TYPE_WORDS or _common(parts[0])):
                continue
            name = "".join(parts)
            if _place_name(name):
                (areas if suffix == _AREA else places).append(name)
        elif named:
            places.append(word)
    if len(name_run) > 1:
        _end_name_run(name_run, name_runs)
    return places, areas, words, place_words, name_runs


def _end_name_run(run: list[tuple[str, int]], out: list[str]) -> None:
    """The run's stretch from its first to its last name word, if two to RUN_TOKENS tokens long."""
    ends = [i for i, (_w, part) in enumerate(run) if part == _RUN_END]
    if not ends or ends[-1] == ends[0] or ends[-1] - ends[0] >= RUN_TOKENS:
        return
    name = "".join(w for w, _part in run[ends[0] : ends[-1] + 1])
    # A province, city or county inside is an address (雅|西地省), not one compound's name.
    if len(name) >= 3 and not _common(name) and not _ADMIN.search(name):
        out.append(name)


@lru_cache(maxsize=1 << 16)
def _place_name(name: str) -> bool:
    """A rebuilt name that names one place: not too short, not generic, vague, a date or a kind."""
    return not (
        len(name) < 3
        or name in GENERIC
        or name.startswith(_VAGUE)
        or _DATE.search(name)
        or _kind_of_place(name)
    )


def _name_ok(run: list[str], last_tag: str) -> bool:
    """A run before a phase mark is a name if it is more than one plain, common word."""
    parts = _name_ending_here(run)
    if len(parts) == 1 and last_tag not in ORG_TAGS and _common(parts[0]):
        return False
    name = "".join(parts)
    return len(name) >= 2 and name not in GENERIC and not name.startswith(_VAGUE)


def _kind_of_place(name: str) -> bool:
    """幼儿园, 普惠性幼儿园, 办成营利性幼儿园: a kind of place that many unrelated issues share."""
    for suffix in _SUFFIXES_LONGEST_FIRST:
        if name.endswith(suffix):
            rest = name[: -len(suffix)]
            return not rest or any(t in rest for t in TYPE_WORDS)
    return False


def _split_admin(text: str) -> tuple[str, list[str]]:
    """Take masked administrative codes out of the text (they fool the segmenter: "A市伊景园")."""
    admin = _MASKED_ADMIN.findall(text)
    return _MASKED_ADMIN.sub("，", text), admin


def terms_of(title: str, body: str) -> Terms:
    """Content words of title and body, and the place/organisation names they mention."""
    tagger = _tagger()
    title, admin_t = _split_admin(_SPACE.sub("", title))
    body, admin_b = _split_admin(_SPACE.sub("", body)[:BODY_CHARS])
    places_t, areas_t, words_t, named_t, runs_t = _scan(tagger.tag(title))
    places_b, areas_b, words_b, named_b, runs_b = _scan(tagger.tag(body))
    return Terms(
        words=words_b,
        title_words=words_t,
        places=places_t + places_b,
        areas=areas_t + areas_b,
        admin=admin_t + admin_b,
        place_words=named_t + named_b,
        name_runs=runs_t + runs_b,
    )


_SUFFIXES_LONGEST_FIRST = sorted(PLACE_SUFFIXES, key=len, reverse=True)
# Generic tails of a name: "魅力之城小区" and "万科魅力之城" should meet on 魅力之城, not on 城小区.
_GENERIC_TAIL = re.compile(r"(小区|项目|工地|片区|[一二三四五六七八九十\d]+期|楼盘|一楼|底层)+$")


@lru_cache(maxsize=1 << 16)
def core(name: str) -> str:
    """The name without generic tails (小区, 项目, 一期 …), if what is left is still a name."""
    stripped = _GENERIC_TAIL.sub("", name)
    return stripped if len(stripped) >= 2 else name


_PHASE_END = re.compile(r"[一二三四五六七八九十\d]+期$")
_PROVINCE_PREFIX = re.compile(r"^[\u4e00-\u9fff]{2,3}省")


@lru_cache(maxsize=1 << 16)  # a period names a few thousand sites, each many times
def site_key(name: str) -> str | None:
    """What distinguishes a named site from others of its kind: 恒基凯旋门幼儿园 → 恒基凯旋门.

    None for organisations (自来水公司) and for kinds of place (普惠性幼儿园), which many unrelated
    issues share.
    """
    phased = _PHASE_END.search(name) is not None
    if not (phased or name.endswith(SPECIFIC_SUFFIXES)) or name.endswith(ORG_SUFFIXES):
        return None
    # A province before the name is an address (西地省科技职业学院): every site there shares it.
    rest = _PROVINCE_PREFIX.sub("", core(name))
    if rest in PLACE_SUFFIXES or rest in GENERIC:
        return None
    stripped = True
    while stripped:
        stripped = False
        for suffix in _SUFFIXES_LONGEST_FIRST:
            if rest.endswith(suffix) and len(rest) - len(suffix) >= 2:
                rest, stripped = rest[: -len(suffix)], True
                break
    if rest in PLACE_SUFFIXES or any(t in rest for t in TYPE_WORDS) or len(rest) < 2:
        return None
    return rest


def trigrams(name: str) -> list[str]:
    """Character trigrams of a name's core, so that partial mentions of the same place still meet."""
    name = core(name)
    return [name[i : i + 3] for i in range(len(name) - 2)] if len(name) > 3 else [name]
