"""The generic spider: one configured source (data/sources/<slug>.toml) per crawl.

List pages (HTML rows, CDATA XML embedded in a page, or JSON records) are walked by page number,
next link or cursor; rows either are the items (JSON feeds) or link to HTML detail pages. Known
items are skipped unless still open on the source; bad pages are retried, then rejected with
their URL and reason, and the crawl goes on.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urljoin

import scrapy
from parsel import Selector
from scrapy.http import FormRequest, JsonRequest, Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import TCPTimedOutError, TimeoutError
from twisted.python.failure import Failure

from crawler.config.sources import RequestSpec, SourceConfig, load_source
from crawler.items import MessageItem
from crawler.parsing.extract import (
    ListEntry,
    PageError,
    decode_strict,
    load_json,
    parse_detail,
    parse_list,
    select,
)
from crawler.parsing.normalise import clean_text
from crawler.rejects import record_rejection

logger = logging.getLogger("huiying.crawler")
MAX_LIST_FAILURES = 3
_PLACEHOLDER = re.compile(r"\{(page|cursor)\}")


class SourceSpider(scrapy.Spider):
    name = "source"

    def __init__(self, source: str, sources_dir: str | None = None, **kwargs: Any):
        config = load_source(source, Path(sources_dir) if sources_dir else None)
        super().__init__(name=config.slug, **kwargs)
        self.source_config: SourceConfig = config
        self.known: dict[str, Any] = {}
        self.scheduled: set[str] = set()
        self.list_failures = 0  # consecutive list pages lost; page paging gives up after a few
        self.headers: dict[str, str] = dict(config.headers)  # plus a session token, if any

    # --- start ---------------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Request]:
        self.known = self._load_known()
        self.crawler.stats.set_value("huiying/known", len(self.known))
        session = self.source_config.session
        if session is not None:  # a cookie or token first; the list follows in on_session
            yield self._build(session.request, {}, callback=self.on_session, kind="session")
            return
        yield self._list_request(page=self.source_config.list.first_page)

    def on_session(self, response: Response) -> Iterator[Request]:
        self.crawler.stats.inc_value("huiying/pages")
        session = self.source_config.session
        assert session is not None
        if session.token is not None:
            try:
                page = self._page(response, "json" if session.token.kind == "json" else "html")
                token = select(page, session.token)
            except (PageError, ValueError) as exc:
                token, reason = None, str(exc)
            else:
                reason = f"no token found by {session.token.kind}:{session.token.expr}"
            if token in (None, ""):
                record_rejection(self.crawler, response.url, f"session failed: {reason}")
                self.crawler.stats.set_value("huiying/paging_stopped", "session failed")
                return
            self.headers[session.header] = f"{session.prefix}{token}"
        yield self._list_request(page=self.source_config.list.first_page)

    def _load_known(self) -> dict[str, Any]:
        settings = self.crawler.settings
        url = settings.get("HUIYING_DATABASE_URL")
        if not url or not settings.getbool("HUIYING_INCREMENTAL", True):
            return {}
        from sqlalchemy.orm import Session

        from ledger.db import make_engine
        from ledger.intake.pipeline import known_items

        engine = make_engine(url)
        try:
            with Session(engine) as session:
                return known_items(session, self.source_config.slug)
        finally:
            engine.dispose()

    # --- requests ------------------------------------------------------------------------------
    def _list_request(
        self, page: int | None = None, url: str | None = None, cursor: str | None = None
    ) -> Request:
        spec = self.source_config.list
        request = spec.request
        values = {"page": "" if page is None else str(page), "cursor": cursor or ""}
        if url is not None:  # a next link
            request = replace(request, url=url, form=None, json=None, method="GET")
        elif page == spec.first_page and spec.first_url and cursor is None:
            request = replace(request, url=spec.first_url)
        elif cursor is not None and "cursor" not in request.placeholders():
            sep = "&" if "?" in request.url else "?"
            query = urlencode({spec.cursor_param: cursor})
            request = replace(request, url=f"{request.url}{sep}{query}")
        meta = {"page": page, "cursor": cursor}
        return self._build(request, values, callback=self.parse_list, kind="list", **meta)

    def _build(
        self, spec: RequestSpec, values: dict[str, str], *, callback: Any, kind: str, **meta: Any
    ) -> Request:
        """A Scrapy request for `spec` with {page}/{cursor} filled in URL and body."""

        def fill(text: str, quote_value: bool) -> str:
            return _PLACEHOLDER.sub(
                lambda m: (
                    (quote(v, safe="") if quote_value else v)
                    if (v := values.get(m.group(1))) is not None
                    else m.group(0)
                ),
                text,
            )

        url = fill(spec.url, True)
        options: dict[str, Any] = {
            "callback": callback,
            "errback": self.on_error,
            "headers": self.headers,
            "meta": {"huiying_kind": kind, **meta},
            # one process: every request is meant; several (scrapy-redis): the shared filter
            # makes sure each page is fetched once, whichever crawler asks first
            "dont_filter": kind == "session" or not self._distributed,
        }
        if spec.json is not None:
            body = {k: fill(v, False) if isinstance(v, str) else v for k, v in spec.json.items()}
            return JsonRequest(url, data=body, method=spec.method, **options)
        if spec.form is not None:
            form = {k: fill(str(v), False) for k, v in spec.form.items()}
            return FormRequest(url, formdata=form, method=spec.method, **options)
        return Request(url, method=spec.method, **options)

    def _next_list(self, request: Request, page: Any) -> Iterator[Request]:
        spec = self.source_config.list
        meta = request.meta
        if page is None:
            self.list_failures += 1
        else:
            self.list_failures = 0
        if spec.paging == "page":
            if self.list_failures >= MAX_LIST_FAILURES:
                logger.error("%d list pages in a row failed: stopping", self.list_failures)
                self._paging_stopped(request, f"{self.list_failures} 个列表页接连失败")
                return
            number = (meta.get("page") or spec.first_page) + 1
            if page is not None and not page.entries:
                return  # past the last page
            if number - spec.first_page < spec.max_pages:
                yield self._list_request(page=number)
        elif spec.paging == "none":
            return
        elif page is None:  # next link or cursor unknown: the rest waits for the next crawl
            self._paging_stopped(request, "列表页出错，后面的页无法到达")
        elif spec.paging == "next_link" and page.next_value:
            yield self._list_request(
                url=urljoin(request.url, page.next_value), page=(meta.get("page") or 0) + 1
            )
        elif spec.paging == "cursor" and page.next_value and page.has_more is not False:
            if not page.entries or page.next_value == meta.get("cursor"):
                return  # the cursor did not move: the list is done
            yield self._list_request(page=(meta.get("page") or 0) + 1, cursor=page.next_value)

    def _paging_stopped(self, request: Request, why: str) -> None:
        """The list could not be walked to its end: this crawl of the source has failed."""
        stats = self.crawler.stats
        if not stats.get_value("huiying/paging_stopped"):
            stats.set_value("huiying/paging_stopped", f"{why}（{request.url}）")

    # --- callbacks -----------------------------------------------------------------------------
    def parse_list(self, response: Response) -> Iterator[Any]:
        self.crawler.stats.inc_value("huiying/pages")
        spec = self.source_config.list
        try:
            page = parse_list(self._page(response, spec.format), spec)
        except PageError as exc:
            yield from self._retry_or_reject(response.request, str(exc))
            return
        except Exception as exc:  # a bug or a surprise in the page: refused with why, never silent
            logger.exception("list page %s could not be parsed", response.url)
            self.crawler.stats.inc_value("huiying/errors")
            reason = f"parse error: {type(exc).__name__}: {exc}"
            yield from self._retry_or_reject(response.request, reason, retry=False)
            return
        for problem in page.row_errors:
            record_rejection(self.crawler, response.url, f"list {problem}")
        if self.crawler.settings.getbool("HUIYING_CHECK"):  # sources check: one row, one page
            yield from self._entry(response, page.entries[0]) if page.entries else ()
            return
        for entry in page.entries:
            yield from self._entry(response, entry)
        yield from self._next_list(response.request, page)

    def _entry(self, response: Response, entry: ListEntry) -> Iterator[Any]:
        if not entry.external_id:
            record_rejection(self.crawler, response.url, "list row without an id")
            return
        if self.source_config.detail is None or not entry.detail_url:
            yield self._item(entry.external_id, response.url, entry.fields)
            return
        if entry.external_id in self.scheduled:
            return  # listed twice (pages shifted while we crawled)
        if not self._needs_detail(entry):
            self.crawler.stats.inc_value("huiying/skipped")
            return
        self.scheduled.add(entry.external_id)
        yield Request(
            response.urljoin(entry.detail_url),
            callback=self.parse_detail,
            errback=self.on_error,
            headers=self.headers,
            cb_kwargs={"entry": entry},
            meta={"huiying_kind": "detail"},
            priority=10,  # finish details before walking further: less to redo after a kill
            dont_filter=not self._distributed,
        )

    def _needs_detail(self, entry: ListEntry) -> bool:
        """New items, and open items whose list row no longer shows an open status."""
        state = self.known.get(entry.external_id)
        if state is None:
            return True
        if state.has_reply:
            return False
        status = clean_text(entry.fields.get("status"), multiline=False)
        if status and status in self.source_config.replied_statuses:
            return True
        return not (status and status in self.source_config.open_statuses)

    def parse_detail(self, response: Response, entry: ListEntry) -> Iterator[Any]:
        self.crawler.stats.inc_value("huiying/pages")
        detail = self.source_config.detail
        assert detail is not None
        try:
            values = parse_detail(self._page(response, detail.format), detail.fields)
            missing = [name for name in detail.required if not clean_text(values.get(name))]
            if missing:
                raise PageError(f"broken page: no {', '.join(missing)} found")
        except PageError as exc:
            yield from self._retry_or_reject(response.request, str(exc))
            return
        except Exception as exc:
            logger.exception("detail page %s could not be parsed", response.url)
            self.crawler.stats.inc_value("huiying/errors")
            reason = f"parse error: {type(exc).__name__}: {exc}"
            yield from self._retry_or_reject(response.request, reason, retry=False)
            return
        merged = {**entry.fields, **{k: v for k, v in values.items() if v not in (None, "")}}
        yield self._item(entry.external_id, response.url, merged)

    def on_error(self, failure: Failure) -> Iterator[Request]:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(HttpError):
            reason = f"HTTP {failure.value.response.status} after retries"
        elif failure.check(TimeoutError, TCPTimedOutError):
            reason = "timeout after retries"
        else:
            reason = f"download failed: {failure.type.__name__}: {failure.getErrorMessage()}"
        record_rejection(self.crawler, request.url, reason)
        if request.meta.get("huiying_kind") == "list":
            yield from self._next_list(request, None)
        elif request.meta.get("huiying_kind") == "session":
            self._paging_stopped(request, "会话请求失败，列表无法开始")

    # --- helpers -------------------------------------------------------------------------------
    @property
    def _distributed(self) -> bool:
        return self.crawler.settings.getbool("HUIYING_DISTRIBUTED")

    def _retry_or_reject(
        self, request: Request, reason: str, *, retry: bool = True
    ) -> Iterator[Request]:
        attempt = request.meta.get("parse_attempt", 0)
        if retry and attempt < self.source_config.parse_retries:
            logger.info("bad page %s (%s): fetching it again", request.url, reason)
            self.crawler.stats.inc_value("huiying/parse_retries")
            yield request.replace(
                meta={**request.meta, "parse_attempt": attempt + 1}, dont_filter=True
            )
            return
        record_rejection(self.crawler, request.url, reason)
        if request.meta.get("huiying_kind") == "list":
            yield from self._next_list(request, None)

    def _encoding(self, response: Response) -> str:
        return self.source_config.encoding or getattr(response, "encoding", None) or "utf-8"

    def _selector(self, response: Response) -> Selector:
        return Selector(text=decode_strict(response.body, self._encoding(response)))

    def _page(self, response: Response, fmt: str) -> Any:
        """Decoded JSON for json pages, else a selector over the strictly decoded HTML."""
        if fmt == "json":
            return load_json(response.body, self._encoding(response))
        return self._selector(response)

    def _item(self, external_id: str, url: str, values: dict[str, Any]) -> MessageItem:
        config = self.source_config
        return MessageItem.from_fields(config.slug, config.item_type, external_id, url, values)
