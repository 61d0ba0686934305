"""Which links an incremental crawl fetches: new pages yes, stored articles only when changed.

Listing pages are always fetched (the spider fetches every page that is not a stored
article). A stored article is fetched again when its listing shows a date newer than the
one stored, conditionally (If-None-Match / If-Modified-Since from its last capture), so an
unchanged page costs only a 304; ``--refresh`` fetches every stored article again in full.
A link whose last fetch was a redirect or a 404/410 is not retried unless ``--refresh``.
With ``--since`` a listing whose dated links are all older stops the walk through its pages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Engine

from crawler.frontier.listings import Pagination, listing_dates, pagination
from pipelines.canonical import canonical_url
from pipelines.errors import StoreError
from pipelines.models import Article, Fetch

# Listing dates and pagination live in crawler.frontier.listings (no database, for the parse
# worker).
__all__ = ["IncrementalPolicy", "Pagination", "Planned", "listing_dates", "pagination"]

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")
_NOT_AGAIN = frozenset({301, 302, 303, 307, 308, 404, 410})
_CHUNK = 400


@dataclass(frozen=True)
class Planned:
    """A link to fetch, with the conditional headers of its last capture (if any)."""

    url: str
    headers: dict[str, str]
    reason: str  # "new", "changed", "refresh"


class IncrementalPolicy:
    """Decide, a page's links at a time, which to fetch; counts go to ``skipped``."""

    def __init__(self, engine: Engine | None, *, refresh: bool = False,
                 since: date | None = None,
                 count: Callable[[str, int], None] | None = None) -> None:
        self.engine = engine
        self.refresh = refresh
        self.since = since
        self.skipped: dict[str, int] = {}
        self._count = count
        # Looked up now, before this crawl stores anything: see _had_history.
        self._history = self._had_history() if engine is not None else False

    def older_than_since(self, dates: dict[str, date]) -> bool:
        """True when a listing dates its links and every one is before ``--since``."""
        return bool(self.since and dates and max(dates.values()) < self.since)

    def pages_to_skip(self, dates: dict[str, date], pages: Pagination) -> set[str]:
        """With ``--since``, which pagination links of a dated listing not to follow.

        Listings run newest first, so the walk goes one "next" page at a time and stops
        at the page that reaches back past ``--since``.
        """
        if not self.since or not dates or not pages.links:
            return set()
        skip = set(pages.links)
        if pages.next and min(dates.values()) >= self.since:
            skip.discard(pages.next)
        self._skip("since_pagination", len(skip))
        return skip

    def plan(self, urls: list[str], dates: dict[str, date] | None = None) -> list[Planned]:
        """The links of ``urls`` to fetch, in order."""
        dates = dates or {}
        if self.since:
            kept = [u for u in urls if u not in dates or dates[u] >= self.since]
            self._skip("since", len(urls) - len(kept))
            urls = kept
        if self.engine is None or not urls or not self._history:
            return [Planned(u, {}, "new") for u in urls]
        try:
            stored = self._stored(urls)
            last_status = self._last_status([u for u in urls if u not in stored])
        except (StoreError, Exception) as exc:  # noqa: BLE001 - a read failure must not stop the crawl
            logger.warning("incremental lookup failed, fetching the links: %s", exc)
            return [Planned(u, {}, "new") for u in urls]
        planned: list[Planned] = []
        for url in urls:
            if url in stored:
                published = stored[url]
                listed = dates.get(url)
                if self.refresh:
                    planned.append(Planned(url, {}, "refresh"))
                elif listed and published and listed > published:
                    planned.append(Planned(url, {}, "changed"))
                else:
                    self._skip("stored", 1)
            elif not self.refresh and last_status.get(url) in _NOT_AGAIN:
                self._skip(f"status_{last_status[url]}", 1)
            else:
                planned.append(Planned(url, {}, "new"))
        if self._count is not None:
            for reason in ("changed", "refresh"):
                n = sum(1 for p in planned if p.reason == reason)
                if n:
                    self._count(f"fetched_again/{reason}", n)
        again = [p.url for p in planned if p.reason == "changed"]  # --refresh: full fetch
        validators = self._validators(again) if again else {}
        return [Planned(p.url, validators.get(p.url, {}), p.reason) for p in planned]

    def _had_history(self) -> bool:
        """Whether the database holds any article or fetch yet.

        Without one (a first crawl) every link is new: this crawl's own pages reach the
        policy only once, through the seen set, so the lookups per page are skipped.
        """
        assert self.engine is not None
        try:
            with self.engine.connect() as conn:
                return any(
                    conn.execute(select(model.id).limit(1)).first() is not None
                    for model in (Article, Fetch)
                )
        except Exception as exc:  # noqa: BLE001 - cannot tell: keep the lookups
            logger.debug("incremental history check failed: %s", exc)
            return True

    def _skip(self, why: str, n: int) -> None:
        if n:
            self.skipped[why] = self.skipped.get(why, 0) + n
            if self._count is not None:
                self._count(f"skipped/{why}", n)

    def _stored(self, urls: list[str]) -> dict[str, date | None]:
        keys: dict[str, str] = {}
        for url in urls:
            try:
                keys[canonical_url(url)] = url
            except StoreError:
                continue
        out: dict[str, date | None] = {}
        assert self.engine is not None
        with self.engine.connect() as conn:
            for chunk in _chunks(list(keys)):
                for key, published in conn.execute(
                    select(Article.canonical_url, Article.published).where(
                        Article.canonical_url.in_(chunk)
                    )
                ):
                    out[keys[key]] = _beijing_day(published)
        return out

    def _last_status(self, urls: list[str]) -> dict[str, int | None]:
        latest: dict[str, tuple[datetime, int | None]] = {}
        assert self.engine is not None
        with self.engine.connect() as conn:
            for chunk in _chunks(urls):
                for url, status, when in conn.execute(
                    select(Fetch.url, Fetch.status, Fetch.fetched_at).where(Fetch.url.in_(chunk))
                ):
                    if url not in latest or latest[url][0] < when:
                        latest[url] = (when, status)
        return {url: status for url, (_, status) in latest.items()}

    def _validators(self, urls: list[str]) -> dict[str, dict[str, str]]:
        latest: dict[str, tuple[datetime, dict[str, str]]] = {}
        assert self.engine is not None
        with self.engine.connect() as conn:
            for chunk in _chunks(urls):
                for url, etag, modified, when in conn.execute(
                    select(Fetch.url, Fetch.etag, Fetch.last_modified, Fetch.fetched_at).where(
                        Fetch.url.in_(chunk), Fetch.status == 200
                    )
                ):
                    headers = {}
                    if etag:
                        headers["If-None-Match"] = etag
                    if modified:
                        headers["If-Modified-Since"] = modified
                    if url not in latest or latest[url][0] < when:
                        latest[url] = (when, headers)
        return {url: headers for url, (_, headers) in latest.items()}


def _beijing_day(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(BEIJING).date()


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
