"""How raw page bodies are compressed in ``raw_pages.body``: one codec name per row.

New rows are written with zstandard (smaller than zlib, and faster both ways). Rows
written by earlier versions say ``zlib`` in their ``compression`` column and stay readable
for as long as the archive lives: a codec, once written, is never dropped.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable

import zstandard

from scraper.errors import StoreError

__all__ = ["CODECS", "DEFAULT_CODEC", "compress", "decompress"]

DEFAULT_CODEC = "zstd"
# Level 3 (zstd's default): on the site's pages it stores ~45% less than zlib and
# compresses ~4x faster; level 10 saves only 2% more at 15x the time (benchmarks/store.py).
ZSTD_LEVEL = 3


def _new_zstd_compressor() -> zstandard.ZstdCompressor:
    # write_content_size lets any zstd tool (and decompress below) size its buffer.
    return zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_content_size=True)


# One compressor per thread (an instance is not thread-safe), kept: a new one allocates its
# working memory afresh on first use, which cost a third of compressing a page. Each
# one-shot compress() starts a new frame, so the bytes are those of a new compressor.
_per_thread = threading.local()


def _zstd_compress(data: bytes) -> bytes:
    compressor = getattr(_per_thread, "zstd", None)
    if compressor is None:
        compressor = _per_thread.zstd = _new_zstd_compressor()
    return compressor.compress(data)


def _zstd_decompress(data: bytes) -> bytes:
    return zstandard.ZstdDecompressor().decompress(data)


CODECS: dict[str, tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]] = {
    "zstd": (_zstd_compress, _zstd_decompress),
    "zlib": (zlib.compress, zlib.decompress),
    "none": (bytes, bytes),
}


def compress(data: bytes, codec: str = DEFAULT_CODEC) -> bytes:
    """Return ``data`` compressed with ``codec``. Raises ``StoreError`` for an unknown one."""
    return _codec(codec)[0](data)


def decompress(data: bytes, codec: str) -> bytes:
    """Return the original bytes of a body stored with ``codec``.

    Raises ``StoreError`` naming the codec for an unknown codec or corrupt data.
    """
    try:
        return _codec(codec)[1](data)
    except (zlib.error, zstandard.ZstdError) as exc:
        raise StoreError(f"raw page body is not valid {codec} data ({exc})") from exc


def _codec(name: str) -> tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]:
    try:
        return CODECS[name]
    except KeyError:
        known = ", ".join(sorted(CODECS))
        raise StoreError(f"raw page codec {name!r} is unknown (known: {known})") from None
