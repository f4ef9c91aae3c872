"""Every key a source file (data/sources/<slug>.toml) may hold; anything else is refused at load
with the nearest valid key (ledger.config.keys). README “来源配置” explains each key."""

from __future__ import annotations

from ledger.config.keys import ANY_KEY, Schema

# A field is a selector string ("css:…", "xpath:…", "json:…") or a table with one of
# css/xpath/json (or `from`, a list of selectors joined by `sep`), an optional regex `re` (its
# first group is kept) and `join` (how several matches are joined).
FIELD: Schema = {
    "css": None,
    "xpath": None,
    "json": None,
    "re": None,
    "join": None,
    "from": None,
    "sep": None,
}
REQUEST: Schema = {
    "url": None,
    "method": None,
    "form": {ANY_KEY: None},
    "json": {ANY_KEY: None},
}
SOURCE: Schema = {
    "slug": None,
    "name": None,
    "item_type": None,
    "base_url": None,
    "encoding": None,
    "timezone": None,
    "not_before": None,
    "parse_retries": None,
    "headers": {ANY_KEY: None},
    "auth": {"kind": None, "token": None},
    "session": {
        **REQUEST,
        "token": FIELD,
        "header": None,
        "prefix": None,
        "cookies": None,
    },
    "list": {
        **REQUEST,
        "format": None,
        "first_url": None,
        "paging": None,
        "rows": FIELD,
        "fields": {ANY_KEY: FIELD},
        "first_page": None,
        "max_pages": None,
        "xml": FIELD,
        "next": FIELD,
        "has_more": FIELD,
        "cursor_param": None,
        "detail_url": None,
    },
    "detail": {"format": None, "fields": {ANY_KEY: FIELD}, "required": None},
    "incremental": {"replied_statuses": None, "open_statuses": None},
    "politeness": {
        "download_delay": None,
        "autothrottle_start_delay": None,
        "autothrottle_target": None,
        "concurrency": None,
        "timeout": None,
        "autothrottle": None,
    },
    "distributed": {"redis_url": None},
}
