"""Every answer carries a strict Content-Security-Policy, nosniff, no framing, a referrer
policy and camera/microphone for the platform's own pages only; the app's page allows its
one inline style by hash, never by 'unsafe-inline'. That the built app runs under this
policy is proven in Chromium: every browser test fails on a violation (e2e/support.mjs)."""

import base64
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import app_client, settings_for_tests

BOOT_STYLE = "\n      #boot { font: 18px/1.6 sans-serif; padding-top: 40vh; }\n    "
INDEX = (
    "<!doctype html><html lang=zh-CN><head><title>三农服务</title>"
    f"<style>{BOOT_STYLE}</style>"
    '<script type="module" crossorigin src="/assets/index-4f2a9c1b.js"></script>'
    '<script id="vite-plugin-pwa:register-sw" src="/registerSW.js" defer></script>'
    '</head><body><div id="app"><div id="boot">三农服务 正在打开…</div></div></body></html>'
)


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def directives(response: httpx.Response) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for part in response.headers["content-security-policy"].split(";"):
        name, *sources = part.split()
        found[name] = sources
    return found


def built_app(folder: Path) -> Path:
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX)
    (folder / "assets" / "index-4f2a9c1b.js").write_text("console.log('app')")
    (folder / "registerSW.js").write_text("navigator.serviceWorker.register('/sw.js')")
    return folder


async def client(
    mongodb_uri: str, db_name: str, tmp_path: Path, debug: bool
) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for_tests(
        database=db_name, data_dir=tmp_path, app_dir=built_app(tmp_path / "dist"), debug=debug
    )
    async with app_client(settings, mongodb_uri) as http:
        yield http


@pytest.fixture
async def site(mongodb_uri: str, db_name: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for http in client(mongodb_uri, db_name, tmp_path, debug=False):
        yield http


@pytest.fixture
async def debug_site(
    mongodb_uri: str, db_name: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    async for http in client(mongodb_uri, db_name, tmp_path, debug=True):
        yield http


def assert_the_other_headers(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    permissions = response.headers["permissions-policy"].split(", ")
    assert "camera=(self)" in permissions and "microphone=(self)" in permissions
    assert "geolocation=()" in permissions


def assert_strict(policy: dict[str, list[str]]) -> None:
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "blob:", "data:"]
    every_source = [source for sources in policy.values() for source in sources]
    assert not [s for s in every_source if s.startswith(("'unsafe-", "http", "*"))]


@pytest.mark.parametrize("path", ["/", "/index.html", "/console", "/console/township/notices"])
async def test_the_app_page_has_a_strict_policy_and_its_boot_style_by_hash(
    site: httpx.AsyncClient, path: str
) -> None:
    response = await site.get(path)
    assert response.status_code == 200 and "正在打开" in response.text
    policy = directives(response)
    assert_strict(policy)
    assert policy["style-src"] == ["'self'", sha256_source(BOOT_STYLE)]
    assert_the_other_headers(response)
    unchanged = await site.get(path, headers={"if-none-match": response.headers["etag"]})
    assert unchanged.status_code == 304
    assert (
        unchanged.headers["content-security-policy"] == response.headers["content-security-policy"]
    )


async def test_a_new_build_gets_the_hash_of_its_own_style(
    site: httpx.AsyncClient, tmp_path: Path
) -> None:
    first = directives(await site.get("/"))["style-src"]
    rebuilt = "#boot { color: #646566 }"
    (tmp_path / "dist" / "index.html").write_text(INDEX.replace(BOOT_STYLE, rebuilt))
    again = directives(await site.get("/"))["style-src"]
    assert first != again == ["'self'", sha256_source(rebuilt)]


@pytest.mark.parametrize("path", ["/assets/index-4f2a9c1b.js", "/registerSW.js", "/healthz"])
async def test_files_and_the_api_are_not_sniffed_nor_framed(
    site: httpx.AsyncClient, path: str
) -> None:
    response = await site.get(path)
    assert response.status_code == 200
    assert_strict(directives(response))
    assert_the_other_headers(response)


async def test_graphql_answers_carry_the_headers(site: httpx.AsyncClient) -> None:
    answer = await site.post("/graphql", json={"query": "{ __typename }"})
    assert answer.json()["data"] == {"__typename": "Query"}
    assert_strict(directives(answer))
    assert_the_other_headers(answer)
    refused = await site.get("/graphql?query=%7B", headers={"accept": "application/json"})
    assert refused.status_code == 400
    assert_the_other_headers(refused)


async def test_the_endpoint_page_styles_itself_by_hash(site: httpx.AsyncClient) -> None:
    page = await site.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "三农 GraphQL 接口" in page.text
    assert "style=" not in page.text  # an inline style attribute the policy would block
    policy = directives(page)
    assert_strict(policy)
    style = page.text.split("<style>", 1)[1].split("</style>", 1)[0]
    assert policy["style-src"] == ["'self'", sha256_source(style)]
    assert_the_other_headers(page)


async def test_graphiql_in_debug_gets_its_cdn_and_its_inline_script_only(
    debug_site: httpx.AsyncClient,
) -> None:
    page = await debug_site.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    policy = directives(page)
    inline_script = page.text.rsplit("<script>", 1)[1].split("</script>", 1)[0]
    assert policy["script-src"] == ["'self'", "https://unpkg.com", sha256_source(inline_script)]
    assert policy["style-src"] == ["'self'", "https://unpkg.com", "'unsafe-inline'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert_the_other_headers(page)
