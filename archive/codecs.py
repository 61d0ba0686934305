"""Content-decoding of archived payloads (gzip, deflate, br, zstd) and warcio's missing decompressors."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from typing import Any

import brotli
import zstandard
from warcio.bufferedreaders import BufferedReader

logger = logging.getLogger(__name__)


def _gunzip(data: bytes) -> bytes:
    # A gzip body may hold several members; zlib stops after the first one.
    out = []
    while data:
        decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out.append(decomp.decompress(data))
        if not decomp.eof:
            raise zlib.error("truncated gzip stream")
        data = decomp.unused_data
    return b"".join(out)


def _inflate(data: bytes) -> bytes:
    # "deflate" is meant to be zlib-wrapped, but many servers send raw deflate.
    try:
        return zlib.decompress(data)
    except zlib.error:
        return zlib.decompress(data, -zlib.MAX_WBITS)


def _unzstd(data: bytes) -> bytes:
    # decompressobj copes with frames that do not declare their content size.
    return zstandard.ZstdDecompressor().decompressobj().decompress(data)


DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": _gunzip,
    "x-gzip": _gunzip,
    "deflate": _inflate,
    "br": brotli.decompress,
    "zstd": _unzstd,
}


class UnknownEncodingError(Exception):
    """A Content-Encoding this module cannot undo."""


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


def decode_content(data: bytes, content_encoding: str | None) -> bytes:
    """Undo every Content-Encoding in the header (last applied first); unknown ones raise."""
    if not content_encoding:
        return data
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    for coding in reversed(codings):
        if coding == "identity":
            continue
        decoder = DECODERS.get(coding)
        if decoder is None:
            raise UnknownEncodingError(coding)
        data = decoder(data)
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
