"""Request bodies are refused as their bytes arrive, before anything reads them: with a
length that says too much, and as a chunked stream that never says (issue 18, item 8)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.ops.body_limit import DEFAULT_LIMIT, LARGER_LIMITS
from tests.console.conftest import form_token, signed_in


def test_a_body_over_the_limit_is_refused_before_it_is_read(editors_app: FastAPI) -> None:
    client = TestClient(editors_app)
    refused = client.post("/console/login", content=b"a" * (DEFAULT_LIMIT + 1),
                          headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert refused.status_code == 413
    assert client.post("/webhooks/twilio", content=b"x" * (DEFAULT_LIMIT + 1)).status_code == 413


def test_a_chunked_body_without_a_length_is_cut_off_too(editors_app: FastAPI) -> None:
    def endless() -> Iterator[bytes]:
        for _ in range(1000):  # 16 MB if it were all read
            yield b"b" * 16384

    # The webhook reads its body; the stream stops being read at the limit.
    refused = TestClient(editors_app).post("/webhooks/twilio", content=endless(),
                                           headers={"content-type": "text/plain"})  # fmt: skip
    assert refused.status_code == 413


def test_the_directory_import_takes_its_file_and_ordinary_forms_pass(
    editors_app: FastAPI,
) -> None:
    erum = signed_in(editors_app, "erum")
    token = form_token(erum.get("/console/directory/import").text)
    limit = LARGER_LIMITS["/console/directory/import"]
    assert limit > DEFAULT_LIMIT
    big = erum.post("/console/directory/import", data={"csrf": token},
                    files={"file": ("d.csv", b"id\n" + b"x" * (DEFAULT_LIMIT + 10), "text/csv")})  # fmt: skip
    assert big.status_code != 413 or "too large" not in big.text  # the page's own rules answer
    assert erum.get("/console/texts").status_code == 200
