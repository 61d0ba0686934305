"""Cleaning a parsed record before it is stored: white space, name lists, the published date."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

from pipelines.errors import StoreError

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

_SPACE = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
_NAME_SEPARATORS = re.compile(r"[、,，;；/／\s\u3000\u00a0]+")
_TEXT_FIELDS = ("title", "source", "channel")


def collapse(value: Any) -> str | None:
    """Strip and collapse white space (full-width spaces too); empty becomes None."""
    if value is None:
        return None
    cleaned = _SPACE.sub(" ", str(value)).strip()
    return cleaned or None


def clean_body(body: Any) -> str | None:
    """One paragraph a line: each line collapsed, empty lines dropped."""
    if body is None:
        return None
    lines = (collapse(line) for line in str(body).splitlines())
    joined = "\n".join(line for line in lines if line)
    return joined or None


def split_names(values: Any) -> list[str]:
    """Split name strings on 、,，; and spaces; dedupe, keeping the first order."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    names: list[str] = []
    for value in values:
        for name in _NAME_SEPARATORS.split(str(value)):
            if name and name not in names:
                names.append(name)
    return names


def parse_published(value: Any) -> tuple[datetime | None, bool]:
    """Read a published value: an aware datetime (naive means Asia/Shanghai) and whether it was a bare date."""
    if value is None or value == "":
        return None, False
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=SHANGHAI), True
    else:
        text = str(value).strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            try:
                day = date.fromisoformat(text)
            except ValueError as exc:
                raise StoreError(f"bad published date {text!r}: {exc}") from exc
            return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI), True
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as exc:
            raise StoreError(f"bad published date {text!r}: not ISO 8601") from exc
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment, False


def render_published(moment: datetime | None, is_date: bool) -> str | None:
    """The DESIGN.md form of a stored date: ISO with +08:00, or a bare date."""
    if moment is None:
        return None
    local = moment.astimezone(SHANGHAI)
    if is_date:
        return local.date().isoformat()
    return local.isoformat()


def normalise_record(record: dict[str, Any]) -> dict[str, Any]:
    """A cleaned copy of a parser record (raises ``StoreError`` on a bad ``published``)."""
    out = dict(record)
    for key in _TEXT_FIELDS:
        if key in out:
            out[key] = collapse(out[key])
    if "url" in out and out["url"] is not None:
        out["url"] = str(out["url"]).strip()
    if "body" in out:
        out["body"] = clean_body(out["body"])
    out["authors"] = split_names(out.get("authors"))
    out["editors"] = split_names(out.get("editors"))
    images = []
    for image in out.get("images") or []:
        src = collapse(image.get("src")) if isinstance(image, dict) else collapse(image)
        if src:
            caption = collapse(image.get("caption")) if isinstance(image, dict) else None
            images.append({"src": src, "caption": caption})
    out["images"] = images
    moment, is_date = parse_published(out.get("published"))
    out["published"] = render_published_as_given(moment, is_date)
    return out


def render_published_as_given(moment: datetime | None, is_date: bool) -> str | None:
    """ISO text of a parsed date keeping its own offset (a bare date stays a date)."""
    if moment is None:
        return None
    if is_date:
        return moment.date().isoformat()
    return moment.isoformat()
