"""Dates as Chinese news pages print them, parsed into time-zone-aware values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

# 2024-02-26 11:33:41 · 2024年02月26日 11:33 · 2009年11月09日00:00 · 2024/2/26 ·
# 2024.05.20 · 2019-06-05T17:05:00+08:00 (meta tags, JSON-LD) · 2024 03/05 10:20:31 (新华网's
# year, day and time in separate spans).
DATE_RE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d\d)\s*(?P<s1>[-/.年]|\s(?=\s*\d{1,2}/\d))\s*(?P<m>\d{1,2})\s*(?P<s2>[-/.月])\s*"
    # (a day run into its time, 2005.08.2605:39, as a template that drops the space prints it)
    r"(?P<d>\d{2}(?=\d{1,2}[:：]\d\d)|\d{1,2}(?!\d))\s*日?"
    r"(?:\s*(?:星期|周|礼拜)[一二三四五六日天])?"
    # (a zone word between date and time: 2012年12月10日, 格林尼治标准时间10:41)
    r"(?:\s*(?:T|\s|[,，]\s*(?=\D{0,12}\d{1,2}\s*[:：]))?\s*(?P<zone>格林尼治标准时间|格林威治时间|北京时间|GMT|UTC)?"
    r"\s*(?P<half>上午|下午|中午|晚上|早上|凌晨)?\s*(?P<H>\d{1,2})\s*[:：时時]\s*"
    r"(?P<M>\d{1,2})(?!\d)(?:\s*[:：分]\s*(?P<S>\d{1,2})(?!\d)(?:\.\d+)?)?)?"
    r"(?:\s*(?P<tz>Z|[+-]\d\d:?\d\d|(?:GMT|UTC)\s*[+-]\s*\d{1,2}(?::?\d\d)?))?"
)
AFTERNOON = frozenset({"下午", "晚上"})
UTC_ZONE_WORDS = frozenset({"格林尼治标准时间", "格林威治时间", "GMT", "UTC"})
# Dates in article URLs: /2019/0618/, /20240509/, /2024-05/13/, /t20240520_.
URL_DATE_RES = (
    re.compile(r"/((?:19|20)\d\d)/?(\d\d)/?(\d\d)(?:/|_)"),
    re.compile(r"/((?:19|20)\d\d)-(\d\d)/(\d\d)/"),
    re.compile(r"/t((?:19|20)\d\d)(\d\d)(\d\d)_"),
    re.compile(r"/((?:19|20)\d\d)(\d\d)(\d\d)/"),
)


@dataclass(frozen=True)
class ParsedDate:
    """One date found in text: its value, whether a time of day was shown, the raw string."""

    value: datetime | date
    has_time: bool
    raw: str
    start: int = 0
    end: int = 0

    def iso(self) -> str:
        """ISO 8601 with offset when a time was shown, else the bare date."""
        if isinstance(self.value, datetime):
            return self.value.isoformat()
        return self.value.isoformat()


def _tz(text: str | None) -> timezone | ZoneInfo:
    if not text:
        return SHANGHAI
    if text == "Z":
        return UTC
    found = re.search(r"([+-])\s*(\d{1,2}):?(\d\d)?", text)
    if not found:
        return SHANGHAI
    sign = -1 if found.group(1) == "-" else 1
    minutes = int(found.group(2)) * 60 + int(found.group(3) or 0)
    return timezone(sign * timedelta(minutes=minutes))


def _build(match: re.Match[str]) -> ParsedDate | None:
    if match.group("s1") == "年" and match.group("s2") != "月":
        return None
    try:
        year, month, day = int(match.group("y")), int(match.group("m")), int(match.group("d"))
        if match.group("H") is not None:
            hour = int(match.group("H"))
            if match.group("half") in AFTERNOON and hour < 12:
                hour += 12  # 下午3:20 is 15:20
            value: datetime | date = datetime(
                year,
                month,
                day,
                hour,
                int(match.group("M")),
                int(match.group("S") or 0),
                tzinfo=UTC if match.group("zone") in UTC_ZONE_WORDS and not match.group("tz")
                else _tz(match.group("tz")),
            )
            has_time = True
        else:
            value = date(year, month, day)
            has_time = False
    except ValueError:  # 2024-13-45: digits that only look like a date
        return None
    return ParsedDate(value, has_time, match.group(0).strip(), match.start(), match.end())


def find_dates(text: str) -> list[ParsedDate]:
    """Every valid date in ``text``, in order; never raises."""
    if not text:
        return []
    found = []
    for match in DATE_RE.finditer(text):
        parsed = _build(match)
        if parsed is not None:
            found.append(parsed)
    return found


def parse_date(text: str) -> ParsedDate | None:
    """The first valid date in ``text``, or None; never raises."""
    try:
        dates = find_dates(text)
    except (TypeError, OverflowError):
        return None
    return dates[0] if dates else None


def date_from_url(url: str) -> ParsedDate | None:
    """A date-only value from the URL path (``/2019/0618/5732.html``), or None."""
    for pattern in URL_DATE_RES:
        found = pattern.search(url or "")
        if found:
            try:
                value = date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
            except ValueError:
                continue
            return ParsedDate(value, False, found.group(0))
    return None
