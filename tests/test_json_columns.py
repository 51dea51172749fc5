"""JSON columns are written as json.dumps(value, ensure_ascii=False) writes them."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from storage.engine import json_text

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(_JSON)
def test_json_text_is_json_dumps_without_ascii_escapes(value: Any) -> None:
    assert json_text(value) == json.dumps(value, ensure_ascii=False)


def test_vietnamese_stays_readable() -> None:
    assert json_text({"tags": ["Đảng bộ", "Hà Tĩnh"]}) == '{"tags": ["Đảng bộ", "Hà Tĩnh"]}'
