"""An excerpt of an archive: chosen records copied, byte for byte, out of WARC files into new ones.

A record is copied as the bytes it was stored as (its own gzip member), never re-serialised:
digests, dates and record ids stay as the crawl wrote them. Each new file opens with a
``warcinfo`` record of its own saying what was selected and from where. A record that cannot
be read is named (file and offset) and skipped; everything else is still copied.
"""

from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Self

from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter as _WarcioWriter

from archive.errors import ArchiveError
from archive.writer import CONFORMS_TO, WARC_SUFFIX, WARC_VERSION, software_name

logger = logging.getLogger(__name__)

PLAIN_SUFFIX = ".warc"
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class CopiedRecord:
    """What an excerpt needs to know of one copied record."""

    source: str  # the file it was copied from (base name) and its offset there
    offset: int
    record_type: str
    uri: str
    date: str
    status: int
    refers_to: tuple[str, str] | None  # a revisit's (WARC-Refers-To-Target-URI, -Date)


@dataclass(frozen=True)
class _Member:
    data: bytes
    record: CopiedRecord
    record_id: str
    concurrent_to: str


@dataclass
class _Output:
    path: Path
    handle: BinaryIO
    size: int = 0


@dataclass
class ExcerptReport:
    """What was copied: records, the files written, and the records that could not be read."""

    records: int = 0
    exchanges: int = 0
    files: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    copied: list[CopiedRecord] = field(default_factory=list)

    def replayable(self) -> set[tuple[str, int]]:
        """(source file, offset) of the copied responses, and of the revisits whose original
        was copied too: the captures a replay tool can serve."""
        unresolved = set(self.unresolved_revisits())
        return {
            (r.source, r.offset)
            for r in self.copied
            if r.record_type in ("response", "revisit") and r not in unresolved
        }

    def unresolved_revisits(self) -> list[CopiedRecord]:
        """Revisits whose original (refers-to URI and date) is not among the copied records."""
        originals = {(r.uri, r.date) for r in self.copied if r.record_type == "response"}
        return [
            r for r in self.copied if r.record_type == "revisit" and r.refers_to not in originals
        ]


def _read_member(handle: BinaryIO, source: Path, offset: int, length: int | None) -> _Member:
    """Parse the record stored at ``offset`` (checking its digests) and return its exact bytes."""
    where = f"{source} at offset {offset}"
    handle.seek(offset)
    stream: BinaryIO = io.BytesIO(handle.read(length)) if length is not None else handle
    try:
        it = ArchiveIterator(stream, check_digests=True)
        record = next(iter(it), None)
        if record is None:
            raise ArchiveError(f"{where}: no WARC record there")
        record.raw_stream.read()
        if getattr(record.raw_stream, "limit", 0):
            raise ArchiveError(f"{where}: record truncated")
        it.read_to_end()
        if record.digest_checker.passed is False:
            problems = "; ".join(record.digest_checker.problems)
            raise ArchiveError(f"{where}: digest check failed ({problems})")
        size = it.get_record_length()
    except ArchiveError:
        raise
    except Exception as exc:  # warcio and zlib fail on damaged input with assorted types
        raise ArchiveError(f"{where}: damaged WARC record ({_reason(exc)})") from exc
    if not size or (length is not None and size != length):
        raise ArchiveError(f"{where}: record is {size} bytes, expected {length}")
    handle.seek(offset)
    data = handle.read(size)
    if len(data) != size:
        raise ArchiveError(f"{where}: file ends inside the record")
    headers = record.rec_headers
    refers_uri = headers.get_header("WARC-Refers-To-Target-URI")
    http = record.http_headers
    copied = CopiedRecord(
        source=source.name,
        offset=offset,
        record_type=record.rec_type,
        uri=headers.get_header("WARC-Target-URI") or "",
        date=headers.get_header("WARC-Date") or "",
        status=int(http.get_statuscode() or 0) if http and record.rec_type != "request" else 0,
        refers_to=(refers_uri, headers.get_header("WARC-Refers-To-Date") or "")
        if refers_uri
        else None,
    )
    return _Member(
        data,
        copied,
        headers.get_header("WARC-Record-ID") or "",
        headers.get_header("WARC-Concurrent-To") or "",
    )


def _reason(exc: Exception) -> str:
    # warcio quotes the damaged bytes it met: binary noise, not a reason.
    message = str(exc)
    if message.isprintable() and message.isascii() and len(message) <= 100:
        return f"{type(exc).__name__}: {message}"
    return type(exc).__name__


class RecordCopier:
    """Copies HTTP exchanges (a response or revisit and its request) into new WARC files.

    ``info`` goes into the ``warcinfo`` record that opens each new file. Records already
    copied are not copied twice. Files rotate at ``max_size``; a gzip-compressed source record
    goes to a ``.warc.gz`` file, an uncompressed one to a ``.warc`` file.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        info: dict[str, str],
        *,
        prefix: str = "chinareport-excerpt",
        max_size: int = 1 << 30,
    ) -> None:
        self.directory = Path(directory)
        self.info = {"software": software_name(), "format": "WARC File Format 1.1", **info}
        self.info.setdefault("conformsTo", CONFORMS_TO)
        self.prefix = prefix
        self.max_size = max_size
        self.report = ExcerptReport()
        self._outputs: dict[bool, _Output] = {}
        self._done: set[tuple[str, int]] = set()
        self._serial = 0
        self._stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")

    def copy_exchange(self, source: str | os.PathLike[str], offset: int, length: int) -> bool:
        """Copy the response (or revisit) at ``offset`` and the request stored right after it.

        Returns False, with the reason in ``report.problems``, when either cannot be read.
        """
        source = Path(source)
        key = (str(source), offset)
        if key in self._done:
            return True
        try:
            with source.open("rb") as handle:
                first = _read_member(handle, source, offset, length)
                if first.record.record_type not in ("response", "revisit"):
                    raise ArchiveError(
                        f"{source} at offset {offset}: a {first.record.record_type} record, "
                        "not a response or revisit"
                    )
                after = offset + length
                request = _read_member(handle, source, after, None)
                if request.record.record_type != "request" or request.concurrent_to != (
                    first.record_id
                ):
                    raise ArchiveError(
                        f"{source} at offset {after}: not the request of the response at {offset}"
                    )
        except OSError as exc:
            self._problem(f"cannot read {source}: {exc.strerror or exc}")
            return False
        except ArchiveError as exc:
            self._problem(str(exc))
            return False
        self._done.add(key)
        compressed = first.data.startswith(_GZIP_MAGIC)
        self._append(first, compressed)
        self._append(request, compressed)
        self.report.exchanges += 1
        if self._outputs[compressed].size >= self.max_size:  # between exchanges, never inside
            self._close(compressed)
        return True

    def note_problem(self, message: str) -> None:
        """Record a problem found outside the copier (it is reported with the others)."""
        self._problem(message)

    def _problem(self, message: str) -> None:
        logger.debug("%s", message)  # the caller reports problems to the user
        self.report.problems.append(message)

    def _append(self, member: _Member, compressed: bool) -> None:
        output = self._outputs.get(compressed)
        if output is None:
            output = self._outputs[compressed] = self._open(compressed)
        try:
            output.handle.write(member.data)
        except OSError as exc:
            raise ArchiveError(f"cannot write {output.path}: {exc.strerror or exc}") from exc
        output.size += len(member.data)
        self.report.records += 1
        self.report.copied.append(member.record)

    def _open(self, compressed: bool) -> _Output:
        self._serial += 1
        suffix = WARC_SUFFIX if compressed else PLAIN_SUFFIX
        name = f"{self.prefix}-{self._stamp}-{self._serial:05d}{suffix}"
        path = self.directory / name
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle = path.open("xb")
        except OSError as exc:
            raise ArchiveError(f"cannot write {path}: {exc.strerror or exc}") from exc
        builder = _WarcioWriter(handle, gzip=compressed, warc_version=WARC_VERSION)
        builder.write_record(builder.create_warcinfo_record(name, self.info))
        self.report.files.append(path)
        return _Output(path, handle, handle.tell())

    def _close(self, compressed: bool) -> None:
        output = self._outputs.pop(compressed)
        output.handle.close()

    def close(self) -> ExcerptReport:
        """Close the files written; returns the report."""
        for compressed in list(self._outputs):
            self._close(compressed)
        return self.report

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
