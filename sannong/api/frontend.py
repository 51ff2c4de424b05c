"""The farmer's app, built by Vite into `app_dir`, served at `/`.

- `/assets/…` are named by their content hash: cached for a year, `immutable`, so a
  phone on a weak network never asks for them again;
- every other file (index.html, the service worker, the web manifest) is revalidated
  on each load (`no-cache`), so a new build reaches the phone at its next start;
- an app route (`/market/123`, no file extension) gets index.html, and the app's router
  shows the screen; the API's own paths are never answered with the app.

index.html goes with the app's Content-Security-Policy plus the hashes of its own inline
`<style>` (`sannong.api.headers`), read again whenever the build changes it.
"""

import mimetypes
import os
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from sannong.api.headers import app_page_policy

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
API_PREFIXES = ("graphql", "media", "healthz", "readyz", "metrics", "assets")
NOT_BUILT = "三农应用尚未构建：请运行 make run（会自动构建 frontend/）。"

mimetypes.add_type("application/manifest+json", ".webmanifest")


class HashedAssets(StaticFiles):
    """StaticFiles whose every answer may be kept for good (names carry content hashes)."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = IMMUTABLE
        return response


def _top_level_file(app_dir: Path, path: str) -> Path | None:
    """A file directly in the build folder (sw.js, icons), never anything above it."""
    if "/" in path or path.startswith("."):
        return None
    candidate = app_dir / path
    return candidate if candidate.is_file() else None


def _revalidated(request: Request, path: Path, extra: dict[str, str] | None = None) -> Response:
    """The file, or a bodiless 304 when the browser's copy is still this one."""
    stat = path.stat()
    etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
    headers = {"Cache-Control": REVALIDATE, "ETag": etag, **(extra or {})}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return FileResponse(path, headers=headers)


class PagePolicy:
    """index.html's policy, computed again only when the file changes (a new build)."""

    def __init__(self, index: Path) -> None:
        self.index = index
        self.version: tuple[int, int] | None = None
        self.value = ""

    def current(self) -> str:
        stat = self.index.stat()
        version = (stat.st_mtime_ns, stat.st_size)
        if version != self.version:
            self.value = app_page_policy(self.index.read_text(encoding="utf-8"))
            self.version = version
        return self.value


def app_routes(app_dir: Path) -> list[BaseRoute]:
    index = app_dir / "index.html"
    index_policy = PagePolicy(index)

    def page_headers() -> dict[str, str]:
        return {"Content-Security-Policy": index_policy.current()}

    async def page(request: Request) -> Response:
        path: str = request.path_params.get("path", "")
        if path.split("/", 1)[0] in API_PREFIXES:
            return PlainTextResponse("Not Found", status_code=404)
        if (found := _top_level_file(app_dir, path)) is not None:
            # /index.html itself too: the service worker precaches it under that name
            return _revalidated(request, found, page_headers() if found == index else None)
        if "." in path.rsplit("/", 1)[-1]:  # a missing file, not a screen of the app
            return PlainTextResponse("Not Found", status_code=404)
        if not index.is_file():
            return PlainTextResponse(NOT_BUILT, status_code=503)
        return _revalidated(request, index, page_headers())

    routes: list[BaseRoute] = []
    if (app_dir / "assets").is_dir():
        routes.append(Mount("/assets", HashedAssets(directory=app_dir / "assets")))
    routes.append(Route("/{path:path}", page))
    return routes
