"""Content-decoding of archived payloads (gzip, deflate, br, zstd) and warcio's missing decompressors."""

from __future__ import annotations

import io
import logging
import zlib
from collections.abc import Callable
from typing import Any

import brotli
import zstandard
from warcio.bufferedreaders import BufferedReader

logger = logging.getLogger(__name__)


# Decoded bodies stop here: a gzip bomb in a WARC must not exhaust memory on re-reading.
MAX_DECODED = 64 << 20


class UnknownEncodingError(Exception):
    """A Content-Encoding this module cannot undo."""


class DecodedTooLargeError(Exception):
    """A body that decodes to more than the allowed size (a compression bomb)."""


def _check(size: int, limit: int) -> None:
    if size > limit:
        raise DecodedTooLargeError(f"decodes to more than {limit} bytes")


def _zlib_member(decomp: Any, data: bytes, limit: int, out: list[bytes], size: int) -> int:
    """Feed one zlib stream, never producing more than limit + 1 bytes; return the new size."""
    chunk = decomp.decompress(data, limit - size + 1)
    while True:
        out.append(chunk)
        size += len(chunk)
        _check(size, limit)
        if not decomp.unconsumed_tail or decomp.eof:
            return size
        chunk = decomp.decompress(decomp.unconsumed_tail, limit - size + 1)


def _gunzip(data: bytes, limit: int = MAX_DECODED) -> bytes:
    # A gzip body may hold several members; zlib stops after the first one.
    out: list[bytes] = []
    size = 0
    while data:
        decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
        size = _zlib_member(decomp, data, limit, out, size)
        if not decomp.eof:
            raise zlib.error("truncated gzip stream")
        data = decomp.unused_data
    return b"".join(out)


def _inflate(data: bytes, limit: int = MAX_DECODED) -> bytes:
    # "deflate" is meant to be zlib-wrapped, but many servers send raw deflate.
    out: list[bytes] = []
    try:
        _zlib_member(zlib.decompressobj(), data, limit, out, 0)
    except zlib.error:
        out = []
        _zlib_member(zlib.decompressobj(-zlib.MAX_WBITS), data, limit, out, 0)
    return b"".join(out)


def _unbrotli(data: bytes, limit: int = MAX_DECODED) -> bytes:
    decomp = brotli.Decompressor()
    out = [decomp.process(data, output_buffer_limit=limit + 1)]
    size = len(out[0])
    _check(size, limit)
    while not decomp.is_finished() and not decomp.can_accept_more_data():
        out.append(decomp.process(b"", output_buffer_limit=limit + 1))
        size += len(out[-1])
        _check(size, limit)
    return b"".join(out)


def _unzstd(data: bytes, limit: int = MAX_DECODED) -> bytes:
    # A stream reader copes with frames that do not declare their content size.
    reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True)
    body = reader.read(limit + 1)
    _check(len(body), limit)
    return body


DECODERS: dict[str, Callable[[bytes, int], bytes]] = {
    "gzip": _gunzip,
    "x-gzip": _gunzip,
    "deflate": _inflate,
    "br": _unbrotli,
    "zstd": _unzstd,
}


def dechunk(data: bytes) -> bytes:
    """Undo HTTP/1.1 chunked transfer coding (found in WARCs written by other tools)."""
    out = []
    pos = 0
    while True:
        end = data.find(b"\r\n", pos)
        if end < 0:
            break
        size_text = data[pos:end].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            return data
        if size == 0:
            break
        out.append(data[end + 2 : end + 2 + size])
        pos = end + 2 + size + 2
    return b"".join(out)


def decode_content(data: bytes, content_encoding: str | None, limit: int = MAX_DECODED) -> bytes:
    """Undo every Content-Encoding in the header (last applied first); unknown ones raise.

    A body decoding past ``limit`` bytes raises DecodedTooLargeError.
    """
    if not content_encoding:
        return data
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    for coding in reversed(codings):
        if coding == "identity":
            continue
        decoder = DECODERS.get(coding)
        if decoder is None:
            raise UnknownEncodingError(coding)
        data = decoder(data, limit)
    return data


class _BrotliDecompressor:
    """Google brotli's Decompressor with the brotlipy interface warcio expects."""

    def __init__(self) -> None:
        self._decomp = brotli.Decompressor()
        self.unused_data = b""

    def decompress(self, data: bytes) -> bytes:
        return self._decomp.process(data)

    def flush(self) -> bytes:
        return b""


def install_warcio_decompressors() -> None:
    """Make warcio's content_stream() decode br (with Google brotli) and zstd."""
    decompressors: dict[str, Any] = BufferedReader.DECOMPRESSORS
    decompressors["br"] = _BrotliDecompressor
    decompressors["zstd"] = lambda: zstandard.ZstdDecompressor().decompressobj()
