"""Source configuration: one TOML file per site in a sources directory (data/sources by default).

A source composes an optional session request (a cookie or token first), a list part (HTML rows,
CDATA XML embedded in a page, or JSON records; GET or POST; paged by page number, next link or
cursor, the cursor possibly the last row's field) with an optional detail part (HTML or JSON) whose
URL is a link in the row or a template of row fields. Field values are selectors:
``"css:a.subject::attr(href)"``, ``"xpath://td[.='主题']/following-sibling::td[1]"``,
``"json:data.items"``, ``"last_row:tid"`` (cursor only), or a table ``{css = "...", re = "留言时间：(\\S+)"}``
or ``{from = ["json:a", "json:b"], sep = " "}``. Keys are checked strictly (crawler.config.source_schema).
``${VAR:-default}`` anywhere in the file is replaced from the environment.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crawler.config.source_schema import SOURCE
from ledger.config.keys import UnknownKeyError, check_keys

REPO_ROOT = Path(__file__).resolve().parents[2]
LIST_FORMATS = {"html", "embedded_xml", "json"}
DETAIL_FORMATS = {"html", "json"}
METHODS = {"GET", "POST"}
SELECTOR_KINDS = ("css", "xpath", "json")
_PLACEHOLDER = re.compile(r"\{([\w.]+)\}")
PAGINGS = {"page", "next_link", "cursor", "none"}
_ENV = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


class SourceConfigError(ValueError):
    """A source file is missing a key or has a wrong value; the message names the file and key."""


@dataclass(frozen=True)
class FieldSpec:
    kind: str  # css | xpath | json | last_row | from (several joined)
    expr: str
    regex: str | None = None
    join: str = ""
    parts: tuple[
        FieldSpec, ...
    ] = ()  # kind "from": the selectors whose values are joined by `join`

    @classmethod
    def parse(cls, value: Any, where: str, *, last_row: bool = False) -> FieldSpec:
        kinds = (*SELECTOR_KINDS, "last_row") if last_row else SELECTOR_KINDS
        if isinstance(value, str):
            kind, sep, expr = value.partition(":")
            if not sep or kind not in kinds:
                raise SourceConfigError(
                    f"{where}: expected {' or '.join(repr(k + ':…') for k in kinds)}, got {value!r}"
                )
            return cls(kind, expr)
        if isinstance(value, Mapping):
            regex = value.get("re")
            if regex is not None:
                try:
                    re.compile(regex)
                except re.error as exc:
                    raise SourceConfigError(
                        f"{where}: bad regular expression {regex!r}: {exc}"
                    ) from exc
            if "from" in value:
                parts = value["from"]
                if not isinstance(parts, list) or not parts:
                    raise SourceConfigError(f"{where}: `from` must be a list of selectors")
                specs = tuple(FieldSpec.parse(p, f"{where} from") for p in parts)
                return cls("from", "", regex, str(value.get("sep", " ")), specs)
            found = [k for k in SELECTOR_KINDS if k in value]
            if len(found) != 1:
                raise SourceConfigError(f"{where}: give exactly one of css, xpath, json, from")
            return cls(found[0], value[found[0]], regex, value.get("join", ""))
        raise SourceConfigError(f"{where}: a selector string or table is required")


@dataclass(frozen=True)
class RequestSpec:
    """How to ask for a page: URL (with {page}, {cursor} or row-field placeholders), method and an
    optional form or JSON body whose string values may hold the same placeholders."""

    url: str
    method: str = "GET"
    form: dict[str, Any] | None = None
    json: dict[str, Any] | None = None

    def placeholders(self) -> set[str]:
        texts = [self.url, *_strings(self.form), *_strings(self.json)]
        return {m.group(1) for text in texts for m in _PLACEHOLDER.finditer(text)}


@dataclass(frozen=True)
class SessionSpec:
    """A first request whose answer the others need: a cookie (`cookies = true`) and/or a token
    (selector `token`) sent as `header` with `prefix`."""

    request: RequestSpec
    token: FieldSpec | None = None
    header: str = "Authorization"
    prefix: str = ""
    cookies: bool = False


@dataclass(frozen=True)
class ListSpec:
    format: str
    url: str
    paging: str
    rows: FieldSpec
    fields: dict[str, FieldSpec]
    first_url: str | None = None
    first_page: int = 1
    max_pages: int = 10_000
    xml: FieldSpec | None = None  # embedded_xml: where the XML sits in the page
    next: FieldSpec | None = None  # next_link: the link; cursor: the next cursor value
    has_more: FieldSpec | None = None  # cursor: whether to go on
    cursor_param: str = "cursor"
    method: str = "GET"
    form: dict[str, Any] | None = None  # POST form body ({page}/{cursor} placeholders)
    json: dict[str, Any] | None = None  # POST JSON body
    detail_url: str | None = None  # template of row fields, e.g. "{base_url}/content?tid={tid}"

    @property
    def request(self) -> RequestSpec:
        return RequestSpec(self.url, self.method, self.form, self.json)


@dataclass(frozen=True)
class DetailSpec:
    fields: dict[str, FieldSpec]
    required: tuple[str, ...] = ("title", "body")
    format: str = "html"


@dataclass(frozen=True)
class SourceConfig:
    slug: str
    name: str
    item_type: str
    list: ListSpec
    detail: DetailSpec | None
    path: Path
    encoding: str | None = None  # override what the server declares
    timezone: str = "Asia/Shanghai"
    replied_statuses: tuple[str, ...] = ()
    open_statuses: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    politeness: dict[str, Any] = field(default_factory=dict)
    parse_retries: int = 2
    not_before: datetime | None = None  # received times before this are refused (channel's start)
    session: SessionSpec | None = None
    redis_url: str | None = None  # [distributed]: share the request queue and duplicate filter


def default_sources_dir() -> Path:
    """HUIYING_SOURCES_DIR, else <HUIYING_DATA_DIR or ./data>/sources."""
    if os.environ.get("HUIYING_SOURCES_DIR"):
        return Path(os.environ["HUIYING_SOURCES_DIR"])
    data_dir = Path(os.environ.get("HUIYING_DATA_DIR", REPO_ROOT / "data"))
    return data_dir / "sources"


def expand_env(text: str, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ

    def repl(m: re.Match[str]) -> str:
        value = env.get(m.group(1))
        if value is None:
            if m.group(2) is None:
                raise SourceConfigError(f"environment variable {m.group(1)} is not set")
            return m.group(2)
        return value

    return _ENV.sub(repl, text)


def list_sources(sources_dir: Path | None = None) -> list[str]:
    directory = sources_dir or default_sources_dir()
    return sorted(p.stem for p in directory.glob("*.toml"))


def load_source(
    slug: str, sources_dir: Path | None = None, environ: Mapping[str, str] | None = None
) -> SourceConfig:
    path = (sources_dir or default_sources_dir()) / f"{slug}.toml"
    if not path.is_file():
        raise SourceConfigError(f"no source file {path}")
    try:
        raw = tomllib.loads(expand_env(path.read_text("utf-8"), environ))
    except tomllib.TOMLDecodeError as exc:
        raise SourceConfigError(f"{path}: {exc}") from exc
    return parse_source(raw, path)


def parse_source(raw: dict[str, Any], path: Path) -> SourceConfig:
    where = path.name
    try:
        check_keys(raw, SOURCE, str(path))
    except UnknownKeyError as exc:
        raise SourceConfigError(str(exc)) from exc
    slug = _req(raw, "slug", where)
    if slug != path.stem:
        raise SourceConfigError(f"{where}: slug {slug!r} must match the file name")
    base = raw.get("base_url", "").rstrip("/")
    listing = _req(raw, "list", where)
    detail = raw.get("detail")
    incremental = raw.get("incremental", {})
    auth = raw.get("auth", {})
    headers = dict(raw.get("headers", {}))
    if auth:
        if auth.get("kind") != "bearer":
            raise SourceConfigError(f"{where}: [auth] kind must be 'bearer'")
        headers["Authorization"] = f"Bearer {_req(auth, 'token', where + ' [auth]')}"
    return SourceConfig(
        slug=slug,
        name=raw.get("name", slug),
        item_type=_req(raw, "item_type", where),
        list=_list_spec(listing, base, f"{where} [list]"),
        detail=_detail_spec(detail, f"{where} [detail]") if detail else None,
        path=path,
        encoding=raw.get("encoding"),
        timezone=raw.get("timezone", "Asia/Shanghai"),
        replied_statuses=tuple(incremental.get("replied_statuses", ())),
        open_statuses=tuple(incremental.get("open_statuses", ())),
        headers=headers,
        politeness=dict(raw.get("politeness", {})),
        parse_retries=int(raw.get("parse_retries", 2)),
        not_before=_date(raw.get("not_before"), raw.get("timezone", "Asia/Shanghai"), where),
        session=_session_spec(raw["session"], base, f"{where} [session]")
        if "session" in raw
        else None,
        redis_url=raw.get("distributed", {}).get("redis_url"),
    )


def _list_spec(raw: dict[str, Any], base: str, where: str) -> ListSpec:
    fmt = _req(raw, "format", where)
    if fmt not in LIST_FORMATS:
        raise SourceConfigError(f"{where}: format must be one of {sorted(LIST_FORMATS)}")
    paging = raw.get("paging", "none")
    if paging not in PAGINGS:
        raise SourceConfigError(f"{where}: paging must be one of {sorted(PAGINGS)}")
    fields = {
        k: FieldSpec.parse(v, f"{where} fields.{k}") for k, v in raw.get("fields", {}).items()
    }
    if "external_id" not in fields:
        raise SourceConfigError(f"{where}: fields.external_id is required")

    def opt(key: str) -> FieldSpec | None:
        if key not in raw:
            return None
        return FieldSpec.parse(raw[key], f"{where} {key}", last_row=key == "next")

    spec = ListSpec(
        format=fmt,
        url=_req(raw, "url", where).replace("{base_url}", base),
        first_url=raw["first_url"].replace("{base_url}", base) if "first_url" in raw else None,
        paging=paging,
        rows=FieldSpec.parse(_req(raw, "rows", where), f"{where} rows"),
        fields=fields,
        first_page=int(raw.get("first_page", 1)),
        max_pages=int(raw.get("max_pages", 10_000)),
        xml=opt("xml"),
        next=opt("next"),
        has_more=opt("has_more"),
        cursor_param=raw.get("cursor_param", "cursor"),
        method=_method(raw, where),
        form=_body(raw, "form", base),
        json=_body(raw, "json", base),
        detail_url=raw["detail_url"].replace("{base_url}", base) if "detail_url" in raw else None,
    )
    if spec.form is not None and spec.json is not None:
        raise SourceConfigError(f"{where}: give `form` or `json`, not both")
    if fmt == "embedded_xml" and spec.xml is None:
        raise SourceConfigError(f"{where}: embedded_xml needs `xml` (where the XML sits)")
    if paging in {"next_link", "cursor"} and spec.next is None:
        raise SourceConfigError(f"{where}: paging {paging!r} needs `next`")
    if paging == "page" and "page" not in spec.request.placeholders():
        raise SourceConfigError(f"{where}: paging 'page' needs {{page}} in url, form or json")
    if spec.detail_url is not None and "url" in fields:
        raise SourceConfigError(f"{where}: give fields.url (a link) or detail_url, not both")
    return spec


def _method(raw: Mapping[str, Any], where: str) -> str:
    method = str(raw.get("method", "GET")).upper()
    if method not in METHODS:
        raise SourceConfigError(f"{where}: method must be one of {sorted(METHODS)}")
    return method


def _body(raw: Mapping[str, Any], key: str, base: str) -> dict[str, Any] | None:
    if key not in raw:
        return None
    return {
        k: v.replace("{base_url}", base) if isinstance(v, str) else v for k, v in raw[key].items()
    }


def _strings(body: Mapping[str, Any] | None) -> list[str]:
    return [v for v in (body or {}).values() if isinstance(v, str)]


def _session_spec(raw: dict[str, Any], base: str, where: str) -> SessionSpec:
    request = RequestSpec(
        _req(raw, "url", where).replace("{base_url}", base),
        _method(raw, where),
        _body(raw, "form", base),
        _body(raw, "json", base),
    )
    token = FieldSpec.parse(raw["token"], f"{where} token") if "token" in raw else None
    cookies = bool(raw.get("cookies", False))
    if token is None and not cookies:
        raise SourceConfigError(f"{where}: give `token` (a selector) and/or `cookies = true`")
    return SessionSpec(
        request, token, str(raw.get("header", "Authorization")), str(raw.get("prefix", "")), cookies
    )


def _detail_spec(raw: dict[str, Any], where: str) -> DetailSpec:
    fields = {
        k: FieldSpec.parse(v, f"{where} fields.{k}") for k, v in raw.get("fields", {}).items()
    }
    required = tuple(raw.get("required", ("title", "body")))
    fmt = raw.get("format", "html")
    if fmt not in DETAIL_FORMATS:
        raise SourceConfigError(f"{where}: format must be one of {sorted(DETAIL_FORMATS)}")
    return DetailSpec(fields=fields, required=required, format=fmt)


def _date(value: Any, tz: str, where: str) -> datetime | None:
    """A TOML date or datetime (`not_before = 2015-01-01`) as an aware datetime in the source's zone."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz))
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=ZoneInfo(tz))
    raise SourceConfigError(f"{where}: `not_before` must be a date such as 2015-01-01")


def _req(raw: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in raw or raw[key] in ("", None):
        raise SourceConfigError(f"{where}: `{key}` is required")
    return raw[key]
