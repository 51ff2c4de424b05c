"""Trusted documents by ID, and GET answers that revalidate with an ETag."""

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from sannong.api.documents import TrustedDocuments, document_id
from tests.conftest import app_client, settings_for_tests
from tests.factories import Api, codes

REGIONS = "query Regions { regions { name } }"


async def trusted_client(
    mongodb_uri: str, db_name: str, tmp_path: Path, *, only: bool
) -> AsyncIterator[httpx.AsyncClient]:
    manifest = tmp_path / "documents.json"
    manifest.write_text(json.dumps({document_id(REGIONS): REGIONS}))
    settings = settings_for_tests(
        database=db_name, trusted_documents=manifest, trusted_documents_only=only
    )
    async with app_client(settings, mongodb_uri, base_url="http://t") as http:
        yield http


@pytest.fixture
async def trusted(
    mongodb_uri: str, db_name: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    async for http in trusted_client(mongodb_uri, db_name, tmp_path, only=False):
        yield http


@pytest.fixture
async def trusted_only(
    mongodb_uri: str, db_name: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    async for http in trusted_client(mongodb_uri, db_name, tmp_path, only=True):
        yield http


async def test_a_document_id_runs_its_document_over_post_and_get(
    trusted: httpx.AsyncClient,
) -> None:
    posted = await trusted.post("/graphql", json={"documentId": document_id(REGIONS)})
    fetched = await trusted.get("/graphql", params={"documentId": document_id(REGIONS)})
    expected = {"regions": [{"name": "山东省"}]}
    assert posted.json()["data"] == fetched.json()["data"] == expected


async def test_an_unknown_document_id_is_refused(trusted: httpx.AsyncClient) -> None:
    response = await trusted.post("/graphql", json={"documentId": "sha256:" + "0" * 64})
    assert response.status_code == 400


async def test_trusted_only_refuses_query_text(trusted_only: httpx.AsyncClient) -> None:
    response = await trusted_only.post("/graphql", json={"query": REGIONS})
    assert response.status_code == 400
    ok = await trusted_only.post("/graphql", json={"documentId": document_id(REGIONS)})
    assert ok.status_code == 200


def test_a_manifest_entry_must_match_its_hash() -> None:
    with pytest.raises(ValueError):
        TrustedDocuments({document_id(REGIONS): REGIONS + " "})


async def test_an_unchanged_get_answer_is_a_304(api: Api) -> None:
    first = await api.http.get("/graphql", params={"query": REGIONS})
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and first.headers["cache-control"] == "private, no-cache"
    again = await api.http.get(
        "/graphql", params={"query": REGIONS}, headers={"If-None-Match": etag}
    )
    assert (again.status_code, again.content) == (304, b"")
    other = await api.http.get(
        "/graphql", params={"query": "{ regions { code } }"}, headers={"If-None-Match": etag}
    )
    assert other.status_code == 200 and other.headers["etag"] != etag


async def test_errors_over_get_are_not_cached(api: Api) -> None:
    response = await api.http.get("/graphql", params={"query": "{ nope }"})
    assert response.status_code == 400 and "etag" not in response.headers
    assert codes(response.json()) == ["BAD_USER_INPUT"]
