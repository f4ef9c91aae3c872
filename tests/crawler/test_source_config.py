"""Source files: every shipped file loads; mistakes are reported with the file and key."""

from __future__ import annotations

import pytest

from crawler.config.sources import SourceConfigError, expand_env, list_sources, load_source
from ledger.settings import REPO_ROOT

SOURCES = REPO_ROOT / "data" / "sources"


@pytest.mark.parametrize("slug", list_sources(SOURCES))
def test_shipped_sources_load(slug):
    config = load_source(slug, SOURCES, {})
    assert config.slug == slug and config.item_type
    assert config.list.url.startswith("http://127.0.0.1:8765/")


def test_environment_expansion():
    assert expand_env("${A:-x}/${B}", {"B": "y"}) == "x/y"
    with pytest.raises(SourceConfigError, match="C is not set"):
        expand_env("${C}", {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'slug = "bad"\nitem_type = "x"\n[list]\nformat = "html"\nurl = "u"\npaging = "page"\nrows = "css:li"\n[list.fields]\nexternal_id = "css:a"',
            "needs \\{page\\} in url",
        ),
        (
            'slug = "bad"\nitem_type = "x"\n[list]\nformat = "html"\nurl = "u"\nrows = "css:li"',
            "fields.external_id is required",
        ),
        (
            'slug = "other"\nitem_type = "x"\n[list]\nformat = "html"\nurl = "u"\nrows = "css:li"',
            "must match the file name",
        ),
        (
            'slug = "bad"\nitem_type = "x"\n[list]\nformat = "pdf"\nurl = "u"\nrows = "css:li"',
            "format must be one of",
        ),
        (
            'slug = "bad"\nitem_type = "x"\n[list]\nformat = "html"\nurl = "u"\nrows = "li"\n[list.fields]\nexternal_id = "css:a"',
            "expected 'css:",
        ),
        ('slug = "bad"\n[list]', "`item_type` is required"),
        (
            'slug = "bad"\nitem_type = "x"\n[list]\nformat = "json"\nurl = "u"\nrows = "json:d"\npaging = "cursor"\n[list.fields]\nexternal_id = "json:id"',
            "needs `next`",
        ),
        ('slug = "bad" item_type', "bad.toml"),
    ],
)
def test_config_errors_name_file_and_key(tmp_path, text, message):
    (tmp_path / "bad.toml").write_text(text, "utf-8")
    with pytest.raises(SourceConfigError, match=message):
        load_source("bad", tmp_path, {})


GOOD = """slug = "bad"
item_type = "留言板"
[list]
format = "json"
url = "http://x/list"
rows = "json:data"
paging = "cursor"
next = "last_row:tid"
[list.fields]
external_id = "json:tid"
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("paging = ", "pagin = "), r"不认识的键 `list.pagin`；最接近的有效键是 `paging`"),
        (("[list.fields]", "[list.feilds]"), r"`list.feilds`；最接近的有效键是 `fields`"),
        (("slug =", 'layout = "html_board"\nslug ='), r"不认识的键 `layout`"),
        (
            ("external_id = ", 'title = {css = "a", regx = "x"}\nexternal_id = '),
            r"`list.fields.title.regx`；最接近的有效键是 `re`",
        ),
        (
            ("[list]", "[politeness]\ndelay = 1\n[list]"),
            r"`politeness.delay`；最接近的有效键是 `download_delay`",
        ),
    ],
)
def test_unknown_keys_are_refused_with_the_nearest_valid_key(tmp_path, change, message):
    (tmp_path / "bad.toml").write_text(GOOD.replace(*change, 1), "utf-8")
    with pytest.raises(SourceConfigError, match=message) as err:
        load_source("bad", tmp_path, {})
    assert "bad.toml" in str(err.value)


def test_the_unchanged_file_loads(tmp_path):
    (tmp_path / "bad.toml").write_text(GOOD, "utf-8")
    spec = load_source("bad", tmp_path, {}).list
    assert spec.next is not None and spec.next.kind == "last_row" and spec.next.expr == "tid"


def test_post_bodies_templates_and_joined_fields(tmp_path):
    text = (
        GOOD.replace(
            'url = "http://x/list"',
            'url = "{base_url}/list"\nmethod = "post"\n'
            'form = { last = "{cursor}", n = "10" }\ndetail_url = "{base_url}/c?tid={tid}"',
        ).replace("item_type", 'base_url = "http://b"\nitem_type')
        + 'who = { from = ["json:a", "json:b"], sep = "-" }\n'
    )
    (tmp_path / "bad.toml").write_text(text, "utf-8")
    spec = load_source("bad", tmp_path, {}).list
    assert spec.method == "POST" and spec.form == {"last": "{cursor}", "n": "10"}
    assert spec.detail_url == "http://b/c?tid={tid}"
    assert spec.fields["who"].kind == "from" and spec.fields["who"].join == "-"
