"""Technical articles: rich text made safe with nh3, and the tokens search ranks them by.

Used by `publishArticle` and the demo seed.
"""

import asyncio
import html
import re
from datetime import datetime
from enum import StrEnum
from typing import Any

import nh3

from sannong.auth import Role, Viewer, require_admin_of
from sannong.clock import now
from sannong.db import Database
from sannong.db.pagination import Page, paginate
from sannong.errors import InputErrorCode
from sannong.loaders import HasLoaders
from sannong.loaders.prices import CommodityById
from sannong.media import KEY
from sannong.rules.regions import region_of_input
from sannong.text import tokens
from sannong.validation import Checks

ALL_REGIONS = "ALL"  # stored in regionIds when an article applies everywhere (one indexed $in)
SUMMARY_LENGTH = 80
TITLE_MAX = 60
SUMMARY_MAX = 200
BODY_MAX = 50_000
MAX_CROPS = 10
MAX_REGIONS = 20


class ArticleErrorCode(StrEnum):
    UNKNOWN_COMMODITY = "UNKNOWN_COMMODITY"


# What an article needs: paragraphs, headings, lists, emphasis, pictures and links.
TAGS = frozenset(
    {"p", "br", "h2", "h3", "h4", "strong", "em", "b", "i", "u", "ul", "ol", "li"}
    | {"blockquote", "img", "a", "table", "thead", "tbody", "tr", "th", "td"}
)
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}
_BLOCK_END = re.compile(r"</(?:p|h[2-4]|li|blockquote|tr)>|<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t]*\n[\s]*")


# Pictures only from the platform's own media: a picture from anywhere else tells that site
# who opened the notice and when (a tracking pixel), so it goes; the text around it stays.
OWN_MEDIA = re.compile(rf"/media/(?:{KEY.pattern})")
# Links go to an http(s) site (with rel noreferrer: the site learns nothing of the reader)
# or to a path of the platform. A protocol-relative `//host` (or `/\host`, which browsers
# read the same) looks like a path and is another site: refused, the link text stays.
_SITE_PATH = re.compile(r"/(?![/\\])[^\s\\]*")
_ABSOLUTE = re.compile(r"https?://[^\s\\/?#]+(?:[/?#][^\s\\]*)?", re.IGNORECASE)
# nh3's output quotes every attribute value and escapes `"`, `<` and `>` inside it
_IMG = re.compile(r"<img((?:\s[^\s=>]+=\"[^\"]*\")*)>")
_ATTRIBUTE_NAME = re.compile(r"\s([^\s=>]+)=\"[^\"]*\"")


def _allowed_url(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src":
        return value if OWN_MEDIA.fullmatch(value) else None
    if element == "a" and attribute == "href":
        return value if _ABSOLUTE.fullmatch(value) or _SITE_PATH.fullmatch(value) else None
    return value


def _picture_without_source(tag: re.Match[str]) -> str:
    return tag[0] if "src" in _ATTRIBUTE_NAME.findall(tag[1]) else ""


def sanitize(rich_text: str) -> str:
    """Only the tags above survive; scripts, styles, event handlers and javascript: URLs go,
    and so do pictures from outside the platform and links to a `//host`."""
    cleaned = nh3.clean(
        rich_text,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_allowed_url,
    )
    return _IMG.sub(_picture_without_source, cleaned)


def plain_text(safe_html: str) -> str:
    text = nh3.clean(_BLOCK_END.sub("\n", safe_html), tags=set())
    return _SPACES.sub("\n", html.unescape(text)).strip()


def summary_of(text: str) -> str:
    first = text.split("\n", 1)[0]
    return first if len(first) <= SUMMARY_LENGTH else first[: SUMMARY_LENGTH - 1] + "…"


def article_document(
    *,
    title: str,
    body_html: str,
    category: str,
    summary: str | None,
    commodity_ids: list[str],
    region_ids: list[str],
    author_id: Any,
    published_at: datetime,
) -> dict[str, Any]:
    body = sanitize(body_html)
    text = plain_text(body)
    summary = summary or summary_of(text)
    return {
        "title": title,
        "summary": summary,
        "body": body,
        "category": category,
        "commodityIds": commodity_ids,
        "regionIds": region_ids or [ALL_REGIONS],
        "authorId": author_id,
        "publishedAt": published_at,
        "titleTokens": tokens(title),
        "searchTokens": tokens(title, summary, text),
    }


async def publish_article(
    context: HasLoaders,
    author: Viewer,
    *,
    title: str,
    body_html: str,
    category: str,
    summary: str | None,
    commodity_codes: list[str],
    region_codes: list[str],
) -> dict[str, Any]:
    """An expert writes for anywhere, an admin for regions in its own (default: all of it)."""
    db = context.db
    checks = Checks()
    checked_title = checks.text("title", title, label="标题", max_length=TITLE_MAX)
    summary = checks.text("summary", summary, label="摘要", max_length=SUMMARY_MAX)
    if len(body_html) > BODY_MAX:
        checks.fail("body", f"正文不能超过 {BODY_MAX} 个字符", InputErrorCode.TOO_LONG)
    elif not plain_text(sanitize(body_html)):
        checks.fail("body", "正文不能为空", InputErrorCode.REQUIRED)
    crops = await _crops(context, commodity_codes, checks)
    regions = await _regions(context, region_codes, checks)
    checks.raise_if_any()
    if author.role is not Role.EXPERT:
        for region in regions:
            require_admin_of(author, region["path"])
    region_ids = [r["_id"] for r in regions]
    if not region_ids and author.role is not Role.EXPERT:
        region_ids = [author.scope_path[-1]]  # an admin writes for the region it runs
    doc = article_document(
        title=checked_title or "",
        body_html=body_html,
        category=category,
        summary=summary,
        commodity_ids=crops,
        region_ids=region_ids,
        author_id=author.id,
        published_at=now(),
    )
    doc["_id"] = (await db.articles.insert_one(doc)).inserted_id
    return doc


async def _crops(context: HasLoaders, codes: list[str], checks: Checks) -> list[str]:
    keys = list(dict.fromkeys(codes))
    if len(keys) > MAX_CROPS:
        checks.fail("commodityIds", f"最多关联 {MAX_CROPS} 个品种", InputErrorCode.TOO_MANY)
        return []
    docs = await CommodityById.of(context).load_many(keys)
    if any(doc is None for doc in docs):
        checks.fail("commodityIds", "有品种不存在", ArticleErrorCode.UNKNOWN_COMMODITY)
    return keys


async def _regions(context: HasLoaders, codes: list[str], checks: Checks) -> list[dict[str, Any]]:
    if len(codes) > MAX_REGIONS:
        checks.fail("regionIds", f"最多选择 {MAX_REGIONS} 个地区", InputErrorCode.TOO_MANY)
        return []
    # gathered, so the region loader fetches them in one batch
    regions = await asyncio.gather(
        *(region_of_input(context, code, checks, "regionIds") for code in codes)
    )
    return [r for r in regions if r is not None]


# -- reading -----------------------------------------------------------------------------


async def browse_articles(
    db: Database,
    *,
    category: str | None,
    commodity_code: str | None,
    region_path: list[str] | None,
    first: int | None,
    after: str | None,
) -> Page:
    """Articles, newest first: of a category (a value of the API's enum), about a
    commodity, for a region (those for it, the regions above it and everywhere)."""
    query: dict[str, Any] = {}
    # indexes articles(<field>, publishedAt, _id) for each filter, (publishedAt, _id)
    if category is not None:
        query["category"] = category
    if commodity_code is not None:
        query["commodityIds"] = commodity_code
    if region_path is not None:
        query["regionIds"] = {"$in": [*region_path, ALL_REGIONS]}
    return await paginate(
        db.articles,
        query,
        sort_key="publishedAt",
        first=first,
        after=after,
        projection={"titleTokens": 0, "searchTokens": 0},
    )
