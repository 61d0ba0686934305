"""Writing HTTP exchanges to rotating WARC/1.1 files: one gzip member per record, `.open` while written."""

from __future__ import annotations

import fcntl
import gzip
import io
import itertools
import logging
import os
import re
import socket
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO, Self

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter as _WarcioWriter

from archive.errors import ArchiveError
from archive.uris import host_header, request_target, to_ascii_uri

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
WARC_SUFFIX = ".warc.gz"
WARC_VERSION = "WARC/1.1"
CONFORMS_TO = "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
# Headers that describe the connection, not the stored bytes (the body is kept de-chunked).
_HOP_HEADERS = frozenset({"transfer-encoding", "content-length"})

Header = tuple[str, str]
_serial = itertools.count(1)  # process-wide, so two writers in one process never share a name


def software_name() -> str:
    """This program and its WARC library with their versions, for warcinfo records."""

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "unknown"

    return f"chinareport-archive/{version('chinareport-archive')} warcio/{version('warcio')}"


def safe_host_name(host: str) -> str:
    """A host name as it appears in WARC file names."""
    name = re.sub(r"[^A-Za-z0-9.-]", "_", host)[:63]
    return name if name.strip(".") else "host"  # never "", "." or "..": a path of its own


@dataclass(frozen=True)
class WarcLocator:
    """Where one record lives: seek to offset in filename (relative to the WARC dir), read length."""

    filename: str
    offset: int
    length: int
    record_type: str
    payload_digest: str
    warc_date: str
    record_id: str

    def as_dict(self) -> dict[str, Any]:
        """The locator as a plain dict (for request.meta and JSON)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WarcLocator:
        """Rebuild a locator from as_dict() output."""
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


def payload_digest(body: bytes) -> str:
    """The WARC payload digest (sha1, base32) of a body as stored."""
    digester = Digester("sha1")
    digester.update(body)
    return str(digester)


def reason_phrase(status: int) -> str:
    """The standard reason phrase of an HTTP status ("" for unknown codes)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _warc_date(when: datetime | None) -> str:
    when = when or datetime.now(UTC)
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return datetime_to_iso_date(when, use_micros=True)


def _latin1(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


class _OpenFile:
    """One WARC being written: its handle, exclusive lock and final name."""

    def __init__(self, directory: Path, name: str) -> None:
        self.name = name
        self.path = directory / (name + OPEN_SUFFIX)
        self.final_path = directory / name
        self.handle: BinaryIO = open(self.path, "xb")  # noqa: SIM115  (open until close())
        # Recovery in another process skips files whose lock is held.
        fcntl.lockf(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self.size = 0

    def append(self, member: bytes) -> int:
        offset = self.size
        self.handle.write(member)
        self.handle.flush()
        self.size += len(member)
        return offset

    def close(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        os.replace(self.path, self.final_path)
        self.handle.close()  # releases the lock only after the rename


class WarcWriter:
    """Writes request/response (or revisit) records for HTTP exchanges into rotating WARC files."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        max_size: int = 1 << 30,
        prefix: str = "chinareport",
        software: str | None = None,
        user_agent: str | None = None,
        robots: str = "obey",
        host: str | None = None,
        compresslevel: int = 6,
    ) -> None:
        self.directory = Path(directory)
        self.max_size = max_size
        self.prefix = prefix
        self.software = software or software_name()
        self.user_agent = user_agent
        self.robots = robots
        self.host = host or socket.gethostname()
        self.compresslevel = compresslevel
        self.files_written: list[str] = []
        self.bytes_written = 0
        self._builder = _WarcioWriter(None, gzip=False, warc_version=WARC_VERSION)
        self._current: _OpenFile | None = None
        self._lock = threading.Lock()
        self._closed = False

    # -- records -----------------------------------------------------------------

    def _serialize(self, record: Any) -> bytes:
        buffer = io.BytesIO()
        self._builder._write_warc_record(buffer, record)
        raw = buffer.getvalue()
        # mtime=0 keeps members byte-for-byte reproducible for identical records.
        return gzip.compress(raw, compresslevel=self.compresslevel, mtime=0)

    def _new_name(self) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        return (
            f"{self.prefix}-{stamp}-{next(_serial):05d}-{safe_host_name(self.host)}-{os.getpid()}"
            f"{WARC_SUFFIX}"
        )

    def _open_next(self) -> _OpenFile:
        self.directory.mkdir(parents=True, exist_ok=True)
        current = _OpenFile(self.directory, self._new_name())
        info = {
            "software": self.software,
            "format": "WARC File Format 1.1",
            "conformsTo": CONFORMS_TO,
            "robots": self.robots,
            "http-header-user-agent": self.user_agent,
            "hostname": self.host,
        }
        record = self._builder.create_warcinfo_record(current.name, info)
        current.append(self._serialize(record))
        logger.info("Opened WARC %s", current.path)
        return current

    def _file(self) -> _OpenFile:
        if self._closed:
            raise ArchiveError(f"WARC writer for {self.directory} is closed")
        if self._current is None:
            self._current = self._open_next()
        return self._current

    def _http_response(
        self, protocol: str, status: int, reason: str, headers: list[Header], length: int
    ) -> StatusAndHeaders:
        kept = [
            (_latin1(name), _latin1(value))
            for name, value in headers
            if _latin1(name).lower() not in _HOP_HEADERS
        ]
        kept.append(("Content-Length", str(length)))
        # warcio parses HTTP headers only for HTTP/1.x status lines (h2 is archived as 1.1).
        proto = protocol if protocol in ("HTTP/1.0", "HTTP/1.1") else "HTTP/1.1"
        return StatusAndHeaders(
            f"{status} {reason or reason_phrase(status)}".strip(), kept, protocol=proto
        )

    def _http_request(
        self, method: str, uri: str, headers: list[Header], protocol: str, body: bytes
    ) -> StatusAndHeaders:
        kept = [
            (_latin1(n), _latin1(v)) for n, v in headers if _latin1(n).lower() != "content-length"
        ]
        if not any(name.lower() == "host" for name, _ in kept):
            kept.insert(0, ("Host", host_header(uri)))
        if body:
            kept.append(("Content-Length", str(len(body))))
        proto = protocol if protocol in ("HTTP/1.0", "HTTP/1.1") else "HTTP/1.1"
        return StatusAndHeaders(
            f"{method.upper()} {request_target(uri)} {proto}", kept, is_http_request=True
        )

    def write_exchange(
        self,
        *,
        url: str,
        method: str = "GET",
        request_headers: list[Header] | None = None,
        request_body: bytes = b"",
        protocol: str = "HTTP/1.1",
        status: int,
        reason: str = "",
        response_headers: list[Header] | None = None,
        body: bytes = b"",
        ip_address: str | None = None,
        truncated: str | None = None,
        revisit_of: tuple[str, str, str] | None = None,
        warc_date: datetime | None = None,
    ) -> WarcLocator:
        """Archive one exchange as response (or revisit) + request records; return the response's locator.

        `revisit_of` is (payload_digest, original_uri, original_warc_date) of the last capture of
        this URL: when the body's digest equals it, a revisit record replaces the body.
        """
        uri = to_ascii_uri(url)
        date = _warc_date(warc_date)
        digest = payload_digest(body)
        http = self._http_response(protocol, status, reason, response_headers or [], len(body))
        extra: dict[str, str] = {"WARC-Date": date}
        if ip_address:
            extra["WARC-IP-Address"] = ip_address

        if revisit_of is not None and revisit_of[0] == digest:
            record = self._builder.create_revisit_record(
                uri,
                digest,
                to_ascii_uri(revisit_of[1]),
                revisit_of[2],
                http_headers=http,
                warc_headers_dict=extra,
            )
        else:
            if truncated:
                extra["WARC-Truncated"] = truncated
            record = self._builder.create_warc_record(
                uri,
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=http,
                warc_headers_dict=dict(extra, **{"WARC-Payload-Digest": digest}),
            )
        record_id = record.rec_headers.get_header("WARC-Record-ID")

        req_http = self._http_request(method, uri, request_headers or [], protocol, request_body)
        request = self._builder.create_warc_record(
            uri,
            "request",
            payload=io.BytesIO(request_body),
            length=len(request_body),
            http_headers=req_http,
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
        )

        # Serialize (digests, gzip) outside the lock; only the appends must not interleave.
        response_member = self._serialize(record)
        request_member = self._serialize(request)
        with self._lock:
            try:
                current = self._file()
                offset = current.append(response_member)
                current.append(request_member)
                filename = current.name
                self.bytes_written += len(response_member) + len(request_member)
                if current.size >= self.max_size:
                    self._rotate()
            except OSError as exc:
                raise ArchiveError(f"cannot write WARC in {self.directory}: {exc}") from exc
        return WarcLocator(
            filename=filename,
            offset=offset,
            length=len(response_member),
            record_type=record.rec_type,
            payload_digest=digest,
            warc_date=date,
            record_id=record_id,
        )

    # -- files ---------------------------------------------------------------------

    def _rotate(self) -> None:
        if self._current is not None:
            current, self._current = self._current, None
            current.close()
            self.files_written.append(current.name)
            logger.info("Closed WARC %s (%d bytes)", current.final_path, current.size)

    @property
    def current_filename(self) -> str | None:
        """The final name of the file being written, if any."""
        return self._current.name if self._current else None

    def close(self) -> None:
        """Close and rename the file being written; later writes raise ArchiveError."""
        with self._lock:
            try:
                self._rotate()
            except OSError as exc:
                raise ArchiveError(f"cannot close WARC in {self.directory}: {exc}") from exc
            finally:
                self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
