"""The built app at `/`: hashed assets cached for good, the rest revalidated, app routes
answered with index.html, and the API's own paths never shadowed."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import app_client, settings_for_tests

INDEX = "<!doctype html><title>三农服务</title>"
SCRIPT = "console.log('app')"


def built_app(folder: Path) -> Path:
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX)
    (folder / "assets" / "index-4f2a9c1b.js").write_text(SCRIPT)
    (folder / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    (folder / "manifest.webmanifest").write_text('{"name": "三农"}')
    (folder / ".secret").write_text("not for the web")
    return folder


async def client_for(
    mongodb_uri: str, db_name: str, app_dir: Path
) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for_tests(database=db_name, data_dir=app_dir.parent, app_dir=app_dir)
    async with app_client(settings, mongodb_uri) as http:
        yield http


@pytest.fixture
async def site(mongodb_uri: str, db_name: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for http in client_for(mongodb_uri, db_name, built_app(tmp_path / "dist")):
        yield http


async def test_the_app_is_served_at_the_root_and_revalidated(site: httpx.AsyncClient) -> None:
    response = await site.get("/")
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    again = await site.get("/", headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


async def test_hashed_assets_are_cached_for_a_year_and_immutable(site: httpx.AsyncClient) -> None:
    response = await site.get("/assets/index-4f2a9c1b.js")
    assert response.status_code == 200
    assert response.text == SCRIPT
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert (await site.get("/assets/missing-00000000.js")).status_code == 404


async def test_the_service_worker_and_manifest_are_revalidated(site: httpx.AsyncClient) -> None:
    worker = await site.get("/sw.js")
    manifest = await site.get("/manifest.webmanifest")
    assert worker.headers["cache-control"] == "no-cache"
    assert worker.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert manifest.headers["content-type"].startswith("application/manifest+json")


async def test_app_routes_get_the_app(site: httpx.AsyncClient) -> None:
    for path in ("/market", "/market/TGlzdGluZzox", "/me/notifications", "/prices/abc"):
        response = await site.get(path)
        assert (response.status_code, response.text) == (200, INDEX), path


async def test_missing_files_and_hidden_ones_are_not_found(site: httpx.AsyncClient) -> None:
    for path in ("/favicon.ico", "/.secret", "/market/photo.png"):
        assert (await site.get(path)).status_code == 404, path
    outside = await site.get("/%2e%2e/%2e%2e/etc/passwd")
    assert outside.text in (INDEX, "Not Found")  # never a file outside the build


async def test_the_api_paths_are_never_the_app(site: httpx.AsyncClient) -> None:
    graphql = await site.post("/graphql", json={"query": "{ regions { name } }"})
    assert graphql.json()["data"] == {"regions": [{"name": "山东省"}]}
    assert (await site.get("/healthz")).json() == {"status": "ok"}
    assert (await site.get("/media/unknown.webp")).status_code == 404
    assert (await site.get("/metrics")).status_code == 401
    for path in ("/graphql/extra", "/media", "/healthz/x", "/readyz/x"):
        response = await site.get(path)
        assert response.status_code == 404, path
        assert response.text != INDEX


async def test_without_a_build_the_root_says_how_to_make_one(
    mongodb_uri: str, db_name: str, tmp_path: Path
) -> None:
    async for http in client_for(mongodb_uri, db_name, tmp_path / "not-built"):
        response = await http.get("/")
        assert response.status_code == 503
        assert "make run" in response.text
        assert (await http.get("/healthz")).status_code == 200
