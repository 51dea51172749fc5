"""Raw page compression: the compressor kept per thread writes the bytes a new one writes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import zstandard
from hypothesis import given
from hypothesis import strategies as st

from storage import rawcodec

_BODIES = st.binary(max_size=3000) | st.text(max_size=3000).map(str.encode)


def _fresh(data: bytes) -> bytes:
    return zstandard.ZstdCompressor(level=rawcodec.ZSTD_LEVEL, write_content_size=True).compress(
        data
    )


@given(st.lists(_BODIES, max_size=6))
def test_a_kept_compressor_writes_what_a_new_one_writes(bodies: list[bytes]) -> None:
    for body in bodies:  # one after the other, through the same kept compressor
        assert rawcodec.compress(body) == _fresh(body)
        assert rawcodec.decompress(rawcodec.compress(body), "zstd") == body


def test_threads_compressing_at_once_each_get_their_own_bytes() -> None:
    bodies = [(b"<p>trang %d</p>" % n) * (n * 40 + 1) for n in range(64)]
    with ThreadPoolExecutor(8) as pool:
        compressed = list(pool.map(rawcodec.compress, bodies))
    assert compressed == [_fresh(body) for body in bodies]
