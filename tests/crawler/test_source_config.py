"""Source files: every shipped file loads; mistakes are reported with the file and key."""

from __future__ import annotations

import pytest

from crawler.sources import SourceConfigError, expand_env, list_sources, load_source
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
