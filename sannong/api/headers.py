"""Security headers on every HTTP answer: a strict Content-Security-Policy, no MIME sniffing,
no framing, a referrer kept inside the platform, and the camera and microphone for the
platform's own pages only (the video consultation needs them).

The policy is what the built app passes (the browser tests fail on any violation):

- scripts and styles only from the platform's own files; index.html's one inline `<style>`
  (the "正在打开…" boot text) is allowed by its SHA-256 (`app_page_policy`), never by
  'unsafe-inline'. Vant and Vue set element styles through the CSSOM (`el.style.x = …`),
  which a policy does not govern, so `style-src` needs no 'unsafe-inline';
- images from the platform and `blob:`/`data:` (Vant's uploader previews a picked photo
  through both); fonts from the platform and `data:` (Vant's icon font is inlined in its
  CSS; its third-party fallback is dropped at build, `frontend/vite.config.ts`);
- `connect-src 'self'`: the API, and the GraphQL websocket, which 'self' covers on the
  same host (CSP Level 3);
- nothing may frame a page (`frame-ancestors 'none'`, X-Frame-Options for old browsers).

A response that already carries a policy keeps it: a notice's PDF is `sandbox`ed
(`sannong/api/app.py`), the GraphQL endpoint's pages set their own (`sannong/api/graphql.py`).
"""

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

APP_DIRECTIVES: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'", "blob:", "data:"),
    "font-src": ("'self'", "data:"),
    "connect-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}

GRAPHIQL_CDN = "https://unpkg.com"  # where strawberry's GraphiQL page loads its code from

PERMISSIONS_POLICY = ", ".join(
    [
        "camera=(self)",
        "microphone=(self)",
        "geolocation=()",
        "payment=()",
        "usb=()",
    ]
)

# Same-origin requests keep their full referrer (and the Origin header of a POST); a link
# out of the platform (a notice's link, a lecture's stream) tells the other site nothing.
REFERRER_POLICY = "same-origin"

_INLINE = re.compile(r"<(script|style)\b([^>]*)>(.*?)</\1\s*>", flags=re.IGNORECASE | re.DOTALL)


def policy(directives: dict[str, tuple[str, ...]]) -> str:
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def inline_hashes(html: str) -> dict[str, list[str]]:
    """The CSP hash source of each inline `<script>` and `<style>` of a page, by directive."""
    found: dict[str, list[str]] = {"script-src": [], "style-src": []}
    for tag, attributes, body in _INLINE.findall(html):
        if tag.lower() == "script" and re.search(r"\bsrc\s*=", attributes, re.IGNORECASE):
            continue  # a script file, allowed by its origin
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        found[f"{tag.lower()}-src"].append(f"'sha256-{digest}'")
    return found


def with_hashes(
    directives: dict[str, tuple[str, ...]], hashes: dict[str, list[str]]
) -> dict[str, tuple[str, ...]]:
    return {
        name: sources + tuple(dict.fromkeys(hashes.get(name, ())))
        for name, sources in directives.items()
    }


def app_page_policy(html: str) -> str:
    """The app's policy plus the hashes of this page's own inline script and style."""
    return policy(with_hashes(APP_DIRECTIVES, inline_hashes(html)))


def graphiql_policy(html: str) -> str:
    """GraphiQL (debug only, a developer's tool) loads React and GraphiQL from a CDN and
    starts them with an inline script, allowed by its hash. Its editor writes style
    attributes into the markup it builds, so styles are 'unsafe-inline' here, on this
    page only: the app's own pages never get it."""
    directives = APP_DIRECTIVES | {
        "script-src": ("'self'", GRAPHIQL_CDN),
        "style-src": ("'self'", GRAPHIQL_CDN, "'unsafe-inline'"),
        "font-src": ("'self'", GRAPHIQL_CDN, "data:"),
    }
    hashes = inline_hashes(html)
    # A hash beside 'unsafe-inline' would switch 'unsafe-inline' off: styles get none.
    return policy(with_hashes(directives, {"script-src": hashes["script-src"]}))


APP_POLICY = policy(APP_DIRECTIVES)

_HEADERS = (
    (b"content-security-policy", APP_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", REFERRER_POLICY.encode()),
    (b"permissions-policy", PERMISSIONS_POLICY.encode()),
)


class SecurityHeaders:
    """Adds the headers above to every HTTP response that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(item for item in _HEADERS if item[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
