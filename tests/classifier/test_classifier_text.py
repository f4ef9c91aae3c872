"""One normalised form for training and use: raw, segmented, full-width and 12345 text agree."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from classifier.routing.model import Router
from classifier.routing.seed import train_cold_start
from classifier.words.text import (
    TextNormaliser,
    cut_words,
    normalise,
    segment_without_stopwords,
    stopword_set,
    userdict_entries,
)

RAW = "来电人反映：您好，我们是一家做碳纤维复合材料的企业，想咨询一下新材料首批次保险补偿怎么申报？谢谢！"


@pytest.fixture(scope="module")
def seed_router() -> Router:
    return train_cold_start()


def test_segmented_stopword_free_twin_has_the_same_normal_form():
    twin = segment_without_stopwords(RAW)
    assert " " in twin and "的" not in twin.split()  # really segmented, stopwords gone
    assert normalise(twin) == normalise(RAW)


@pytest.mark.parametrize(
    "variant",
    [
        "市民来电咨询：我们是一家做碳纤维复合材料的企业，想咨询一下新材料首批次保险补偿怎么申报？",
        "尊敬的领导：我们是一家做碳纤维复合材料的企业，想咨询一下新材料首批次保险补偿怎么申报",
        "我们 是 一家 做 碳纤维 复合材料 的 企业 ， 想 咨询 一下 新材料 首批次 保险 补偿 怎么 申报",
    ],
)
def test_boilerplate_spacing_and_stopwords_do_not_change_the_normal_form(variant):
    assert normalise(variant) == normalise(RAW)


def test_fullwidth_letters_and_digits_fold():
    assert normalise("ＡＢＣ公司５Ｇ基站") == normalise("abc公司5G基站")


def test_stopwords_are_the_ict_list():
    stop = stopword_set()
    assert {"的", "我们", "可以"} <= stop and "企业" not in stop
    assert len(stop) > 1000


def test_raw_message_and_its_segmented_twin_get_the_same_top3(seed_router):
    twin = segment_without_stopwords(RAW)
    (a, b) = seed_router.predict(None, [RAW, twin])
    assert a.top3 == b.top3
    assert a.label == "materials"


def test_normaliser_is_a_stateless_picklable_transformer():
    step = TextNormaliser()
    frame = np.array([[RAW, "新材料"], [None, ""]], dtype=object)
    out = step.fit_transform(frame)
    assert out.shape == (2, 2) and out[1, 0] == "" and out[0, 1] == "新材料"
    assert pickle.loads(pickle.dumps(step)).transform(frame).tolist() == out.tolist()


def test_router_cut_is_jiebas_cut_with_the_user_dictionary():
    """rjieba (the router's cutter) must cut exactly as jieba with the same user dictionary:
    saved models and the segmented twins of the benchmark rely on it."""
    import jieba

    reference = jieba.Tokenizer()
    for word, freq, tag in userdict_entries():
        reference.add_word(word, freq, tag)
    text = (
        "市民反映化工园区危化品企业搬迁入园后，专精特新小巨人企业技改补贴和首台套奖补资金怎么申请？"
    )
    words = cut_words(text)
    assert words == reference.lcut(text, HMM=False)
    assert {"化工园区", "专精特新", "技改补贴", "首台套"} <= set(words)  # user-dictionary words
