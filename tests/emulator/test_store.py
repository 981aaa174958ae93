"""The resource store without a server: names and ids, create/get/list/update/delete, paging,
update masks, expiry on a manual clock, and concurrent use."""

from __future__ import annotations

import pytest

from genai.emulator._backend import Backend
from genai.emulator._catalog import entries
from genai.emulator._state import EmulatorOptions
from genai.emulator._store import InvalidField


def test_catalog_page_tokens_round_trip_and_reject_forgeries() -> None:
    models = Backend(EmulatorOptions()).models
    seen = []
    token = ""
    while True:
        page = models.list(page_size=3, page_token=token)
        seen += [m.name for m in page.items]  # type: ignore[attr-defined]
        token = page.next_page_token
        if not token:
            break
    assert seen == [e.name for e in entries()]
    with pytest.raises(InvalidField) as caught:
        models.list(page_size=3, page_token="bW9kZWxzOjM6MDAwMDAwMDAwMDAw")  # "models:3:000000000000"
    assert caught.value.field == "page_token"
