"""Reading archived HTTP responses back: iterate WARC files, or seek to one record by its locator."""

from __future__ import annotations

import io
import logging
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archive.codecs import (
    UnknownEncodingError,
    dechunk,
    decode_content,
    install_warcio_decompressors,
)
from archive.errors import ArchiveError
from archive.writer import WarcLocator

logger = logging.getLogger(__name__)

# Anyone reading through warcio in this process (cdxj-indexer, content_stream()) gets br and zstd.
install_warcio_decompressors()

RESPONSE_TYPES = ("response", "revisit")
_NO_LOCATOR = WarcLocator("", 0, 0, "", "", "", "")
Header = tuple[str, str]


@dataclass(frozen=True)
class ArchivedResponse:
    """One response or revisit record: HTTP status, headers and body (decoded and as stored)."""

    uri: str
    date: str
    status: int
    headers: list[Header]
    body: bytes
    raw_body: bytes
    record_type: str
    locator: WarcLocator
    payload_digest: str | None
    refers_to_uri: str | None
    refers_to_date: str | None
    ip: str | None

    def header(self, name: str, default: str | None = None) -> str | None:
        """The last value of a header, case-insensitively."""
        lowered = name.lower()
        for key, value in reversed(self.headers):
            if key.lower() == lowered:
                return value
        return default

    def header_list(self, name: str) -> list[str]:
        """Every value of a (repeatable) header, in order."""
        lowered = name.lower()
        return [value for key, value in self.headers if key.lower() == lowered]


def decode_body(raw: bytes, headers: list[Header], *, where: str = "") -> bytes:
    """The payload with transfer- and content-coding undone, as a browser would see it."""

    def get(name: str) -> str | None:
        values = [v for k, v in headers if k.lower() == name]
        return ", ".join(values) if values else None

    if "chunked" in (get("transfer-encoding") or "").lower():
        raw = dechunk(raw)
    try:
        return decode_content(raw, get("content-encoding"))
    except UnknownEncodingError as exc:
        logger.warning("%s: unknown Content-Encoding %s, body left as stored", where, exc)
    except Exception as exc:  # noqa: BLE001  (each codec library has its own error type)
        logger.warning(
            "%s: body does not decode as %s (%s), left as stored",
            where,
            get("content-encoding"),
            exc,
        )
    return raw


def _build(record: Any, where: str) -> ArchivedResponse:
    rec = record.rec_headers
    raw = record.raw_stream.read()
    remaining = getattr(record.raw_stream, "limit", 0)
    if remaining:
        raise ArchiveError(f"{where}: record truncated ({remaining} bytes missing)")
    http = record.http_headers
    headers = [(k, v) for k, v in http.headers] if http else []
    status = int(http.get_statuscode() or 0) if http else 0
    body = decode_body(raw, headers, where=where) if record.rec_type == "response" else b""
    return ArchivedResponse(
        uri=rec.get_header("WARC-Target-URI"),
        date=rec.get_header("WARC-Date"),
        status=status,
        headers=headers,
        body=body,
        raw_body=raw,
        record_type=record.rec_type,
        locator=_NO_LOCATOR,
        payload_digest=rec.get_header("WARC-Payload-Digest"),
        refers_to_uri=rec.get_header("WARC-Refers-To-Target-URI"),
        refers_to_date=rec.get_header("WARC-Refers-To-Date"),
        ip=rec.get_header("WARC-IP-Address"),
    )


def _iter_stream(
    stream: BinaryIO, filename: str, display: str, base_offset: int = 0
) -> Iterator[ArchivedResponse]:
    it = ArchiveIterator(stream)
    offset = base_offset  # where the record being read starts: the end of the last good one
    last_start = 0  # start of the last record, relative to the stream
    try:
        for record in it:
            where = f"{display} at offset {offset}"
            if record.rec_type not in RESPONSE_TYPES:
                last_start = it.get_record_offset()  # (reads the record to its end)
                offset = base_offset + last_start + it.get_record_length()
                continue
            response = _build(record, where)
            start, length = it.get_record_offset(), it.get_record_length()
            last_start = start
            if not length:
                raise ArchiveError(f"{where}: record truncated")
            rec = record.rec_headers
            locator = WarcLocator(
                filename=filename,
                offset=base_offset + start,
                length=length,
                record_type=record.rec_type,
                payload_digest=rec.get_header("WARC-Payload-Digest") or "",
                warc_date=rec.get_header("WARC-Date") or "",
                record_id=rec.get_header("WARC-Record-ID") or "",
            )
            offset = base_offset + start + length
            yield replace(response, locator=locator)
        # warcio stops quietly at a gzip member cut short: the records must cover the file,
        # and the last one must be a whole gzip member.
        size = stream.seek(0, os.SEEK_END)
        if offset - base_offset < size or not _whole_member(stream, last_start):
            start = base_offset + min(last_start, offset - base_offset)
            raise ArchiveError(f"{display} at offset {start}: truncated or damaged record")
    except ArchiveError:
        raise
    except Exception as exc:  # warcio fails on damaged input with assorted exception types
        reason = str(exc) if isinstance(exc, ArchiveLoadFailed) else f"{type(exc).__name__}: {exc}"
        raise ArchiveError(f"{display} at offset {offset}: damaged WARC ({reason})") from exc


def warc_datetime(value: str | None) -> datetime:
    """A WARC-Date as a time-zone-aware datetime; now (UTC) when it is missing or malformed."""
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _whole_member(stream: BinaryIO, start: int) -> bool:
    """Whether the bytes from ``start`` to the end are one complete gzip member (or not gzip)."""
    stream.seek(start)
    data = stream.read()
    if not data.startswith(b"\x1f\x8b"):
        return True  # an uncompressed WARC: warcio checked the record's length itself
    decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        while data and not decomp.eof:
            decomp.decompress(data, 1 << 20)
            data = decomp.unconsumed_tail
    except zlib.error:
        return False
    return decomp.eof and not decomp.unused_data


def iter_records(paths: Iterable[str | os.PathLike[str]]) -> Iterator[ArchivedResponse]:
    """Yield every response and revisit record of the given WARC files, in file order.

    A corrupt or truncated file raises ArchiveError naming the file and offset; callers that
    want to go on with the other files call this once per file.
    """
    for path in paths:
        path = Path(path)
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise ArchiveError(f"cannot open {path}: {exc}") from exc
        with handle:
            yield from _iter_stream(handle, path.name, str(path))


def read_record(path: str | os.PathLike[str], offset: int, length: int) -> ArchivedResponse:
    """Seek to one record and read it (a response or revisit)."""
    path = Path(path)
    where = f"{path} at offset {offset}"
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read(length)
    except OSError as exc:
        raise ArchiveError(f"{where}: {exc}") from exc
    if len(data) != length:
        raise ArchiveError(f"{where}: file ends before the record ({len(data)} of {length} bytes)")
    for response in _iter_stream(io.BytesIO(data), path.name, str(path), base_offset=offset):
        return response
    raise ArchiveError(f"{where}: no response or revisit record there")


def read_at(
    warc_dir: str | os.PathLike[str], locator: WarcLocator | dict[str, Any]
) -> ArchivedResponse:
    """Read the record a locator (or its dict form) points to, in a WARC directory."""
    if isinstance(locator, dict):
        locator = WarcLocator.from_dict(locator)
    # Locators come from the database: a file name must not lead out of the WARC directory.
    name = locator.filename
    if not name or name != Path(name).name or name in (".", ".."):
        raise ArchiveError(f"invalid WARC file name in locator: {name!r}")
    return read_record(Path(warc_dir) / name, locator.offset, locator.length)
