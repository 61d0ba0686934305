"""When a crawl counts as having fetched nothing: ``nothing_fetched`` over a crawl's stats.

The middleware that fills these stats runs in the real crawls of tests/test_exit_status.py.
"""

from __future__ import annotations

from crawler.downloadermiddlewares.start_pages import FAILED, FAILURES, FETCHED, nothing_fetched

REFUSED = {FAILED: 1, FAILURES: {"http://a.test/": "connection refused"},
           "downloader/response_count": 0}


def test_one_refused_start_page():
    assert nothing_fetched(REFUSED) == (
        "the start page could not be fetched (connection refused): http://a.test/")


def test_one_start_page_fetched_is_enough():
    assert nothing_fetched({**REFUSED, FETCHED: 1, "downloader/response_count": 3}) is None


def test_a_long_start_list_still_fits_one_line():
    failures = {f"http://a.test/{i}/": "DNS lookup failed" for i in range(50)}
    message = nothing_fetched({FAILED: 50, FAILURES: failures})
    assert message is not None and "\n" not in message
    assert message == ("none of the 50 start pages could be fetched (DNS lookup failed): "
                       "http://a.test/0/, http://a.test/1/, http://a.test/2/ and 47 more")


def test_each_start_page_with_its_own_reason():
    failures = {"http://a.test/": "HTTP 500", "http://a.test/b/": "timed out"}
    assert nothing_fetched({FAILED: 2, FAILURES: failures}) == (
        "none of the 2 start pages could be fetched: http://a.test/ (HTTP 500), "
        "http://a.test/b/ (timed out)")


def test_nothing_at_all_fetched_without_start_pages():
    # A worker of a distributed crawl whose start pages others took: its requests all failed.
    assert nothing_fetched({"downloader/request_count": 7, "downloader/response_count": 0}) == (
        "nothing was fetched: no page came back")


def test_a_worker_that_found_nothing_to_do_is_idle_not_failing():
    assert nothing_fetched({}) is None


def test_a_crawl_stopped_by_a_signal_or_a_failure_is_not_judged_here():
    for reason in ("shutdown", "store_error", "warc_write_error", "lock_busy"):
        assert nothing_fetched(REFUSED, reason) is None
    assert nothing_fetched(REFUSED, "closespider_timeout") is not None
