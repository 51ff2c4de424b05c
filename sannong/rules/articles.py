"""Technical articles: rich text made safe with nh3, and the tokens search ranks them by.

Used by `publishArticle` and the demo seed.
"""

import html
import re
from datetime import datetime
from typing import Any

import nh3

from sannong.text import tokens

ALL_REGIONS = "ALL"  # stored in regionIds when an article applies everywhere (one indexed $in)
SUMMARY_LENGTH = 80

# What an article needs: paragraphs, headings, lists, emphasis, pictures and links.
TAGS = frozenset(
    {"p", "br", "h2", "h3", "h4", "strong", "em", "b", "i", "u", "ul", "ol", "li"}
    | {"blockquote", "img", "a", "table", "thead", "tbody", "tr", "th", "td"}
)
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}
_BLOCK_END = re.compile(r"</(?:p|h[2-4]|li|blockquote|tr)>|<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t]*\n[\s]*")


def sanitize(rich_text: str) -> str:
    """Only the tags above survive; scripts, styles, event handlers and javascript: URLs go."""
    return nh3.clean(
        rich_text,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow",
    )


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
