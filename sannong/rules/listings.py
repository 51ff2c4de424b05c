"""Listings: what a seller offers, its photos, reports and moderation (no stock rules:
those live in `rules.market`)."""

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from sannong.auth import Viewer, require_admin_of
from sannong.clock import now
from sannong.db import Database, find_by_id, object_id
from sannong.db.pagination import Page, paginate
from sannong.errors import BadUserInput, Forbidden, RuleError, Unauthenticated
from sannong.loaders import HasLoaders
from sannong.media import PhotoErrorCode, PhotoLimits, PhotoStore, store_photos
from sannong.money import MAX_FEN, MAX_PRICE_FEN, yuan_to_fen
from sannong.rules import audit
from sannong.rules.market import (
    MAX_QUANTITY,
    ORDERABLE,
    ListingCategory,
    ListingErrorCode,
    ListingStatus,
    settle_status,
)
from sannong.rules.regions import RegionLevel, region_of_input
from sannong.text import query_tokens, tokens
from sannong.validation import Checks

# The app's limits (frontend/src/limits.ts) are these numbers.
COMMODITY_MAX = 20
TITLE_MAX = 40
DESCRIPTION_MAX = 500


@dataclass(frozen=True)
class ListingDraft:
    """What a seller writes; on an update, None leaves the field as it is."""

    commodity: str | None = None
    title: str | None = None
    description: str | None = None
    unit: str | None = None
    category: ListingCategory | None = None
    price: Decimal | None = None
    quantity: int | None = None
    min_order: int | None = None


def _count(checks: Checks, field: str, value: int, label: str) -> int:
    if not 1 <= value <= MAX_QUANTITY:
        checks.fail(field, f"{label}应在 1 到 {MAX_QUANTITY} 之间")
    return value


def _checked_fields(checks: Checks, draft: ListingDraft) -> dict[str, Any]:
    """The document fields a draft sets, each checked; failures go to `checks`."""
    fields: dict[str, Any] = {
        "commodity": checks.text(
            "commodity", draft.commodity, label="品名", max_length=COMMODITY_MAX
        ),
        "title": checks.text("title", draft.title, label="标题", max_length=TITLE_MAX),
        "description": checks.text(
            "description", draft.description, label="描述", max_length=DESCRIPTION_MAX, min_length=0
        ),
        "unit": checks.text("unit", draft.unit, label="单位", max_length=8),
    }
    if draft.category is not None:
        fields["category"] = draft.category.value
    if draft.price is not None:
        fen = yuan_to_fen(draft.price)
        if fen is None:
            checks.fail("price", "价格最多保留两位小数")
        elif not 0 < fen <= MAX_PRICE_FEN:
            checks.fail("price", f"价格应大于 0 且不超过 {MAX_PRICE_FEN // 100} 元")
        fields["priceFen"] = fen
    if draft.quantity is not None:
        fields["quantityAvailable"] = _count(checks, "quantity", draft.quantity, "数量")
    if draft.min_order is not None:
        fields["minOrder"] = _count(checks, "minOrder", draft.min_order, "起订量")
    return {key: value for key, value in fields.items() if value is not None}


def _search_tokens(doc: dict[str, Any]) -> list[str]:
    return tokens(doc["commodity"], doc["title"], doc.get("description"))


def listing_document(
    *,
    seller_id: ObjectId,
    village: dict[str, Any],
    fields: dict[str, Any],
    photos: list[dict[str, Any]],
    at: Any,
) -> dict[str, Any]:
    """A new listing as stored; `fields` are checked draft fields (used by the seed too)."""
    doc = {
        "sellerId": seller_id,
        "category": None,
        "description": "",
        "quantitySold": 0,
        "minOrder": 1,
        **fields,
        "regionId": village["_id"],
        "path": village["path"],
        "photos": photos,
        "status": ListingStatus.ACTIVE.value,
        "reportCount": 0,
        "createdAt": at,
        "updatedAt": at,
    }
    doc["searchTokens"] = _search_tokens(doc)
    return doc


@dataclass(frozen=True)
class NewListing:
    """What a seller posts: the draft, the village it is offered in, the photos' bytes."""

    seller: Viewer
    village_code: str
    draft: ListingDraft
    photos: list[bytes]


async def create_listing(
    context: HasLoaders, store: PhotoStore, new: NewListing, limits: PhotoLimits
) -> dict[str, Any]:
    """A new listing in a village (default: the seller's), photos checked before anything."""
    draft = new.draft
    checks = Checks()
    fields = _checked_fields(checks, draft)
    if not checks.errors and fields["minOrder"] > fields["quantityAvailable"]:
        checks.fail("minOrder", "起订量不能大于数量")
    village = await region_of_input(
        context, new.village_code, checks, "villageId", level=RegionLevel.VILLAGE
    )
    checks.raise_if_any()
    assert village is not None
    stored = await store_photos(
        store, new.photos, already=0, limit=limits.count, max_bytes=limits.max_bytes
    )
    doc = listing_document(
        seller_id=new.seller.id,
        village=village,
        fields=fields,
        photos=[photo.doc for photo in stored],
        at=now(),
    )
    doc["_id"] = (await context.db.listings.insert_one(doc)).inserted_id
    return doc


async def find_listing(db: Database, listing_id: ObjectId | None) -> dict[str, Any]:
    return await find_by_id(db.listings, listing_id, "商品不存在", "listingId")


async def own_listing(db: Database, seller: Viewer, listing_id: ObjectId | None) -> dict[str, Any]:
    doc = await find_listing(db, listing_id)
    if doc["sellerId"] != seller.id:
        raise Forbidden("只能修改自己发布的商品")
    return doc


async def _current(db: Database, listing_id: ObjectId) -> dict[str, Any]:
    doc = await db.listings.find_one({"_id": listing_id})
    assert doc is not None  # listings are never deleted
    return doc


async def update_listing(
    db: Database,
    seller: Viewer,
    listing_id: ObjectId | None,
    draft: ListingDraft,
    add_quantity: int | None,
) -> dict[str, Any]:
    """Changes fields; stock only relatively (`add_quantity`), so an edit never races orders."""
    listing = await own_listing(db, seller, listing_id)
    checks = Checks()
    changes = _checked_fields(checks, draft)
    if add_quantity == 0:
        checks.fail("addQuantity", "数量变化不能为 0")
    if listing["status"] == ListingStatus.CLOSED.value:
        checks.fail("listingId", "商品已下架，不能修改", ListingErrorCode.NOT_AVAILABLE)
    checks.raise_if_any()
    if changes.keys() & {"commodity", "title", "description"}:
        changes["searchTokens"] = _search_tokens(listing | changes)
    delta = add_quantity or 0
    updated = await db.listings.find_one_and_update(
        # Taking stock away needs that much unreserved stock, checked in the same update.
        {"_id": listing["_id"], "quantityAvailable": {"$gte": max(0, -delta)}},
        {"$set": changes | {"updatedAt": now()}, "$inc": {"quantityAvailable": delta}},
        return_document=ReturnDocument.AFTER,
    )
    if updated is None:
        raise RuleError("addQuantity", "可售数量不足，无法减少这么多", ListingErrorCode.SOLD_OUT)
    if delta:
        await settle_status(db, listing["_id"])
        updated = await _current(db, listing["_id"])
    return updated


async def close_listing(
    db: Database, seller: Viewer, listing_id: ObjectId | None
) -> dict[str, Any]:
    """The seller ends a listing; open orders stay to be handled."""
    listing = await own_listing(db, seller, listing_id)
    closed = await db.listings.find_one_and_update(
        {"_id": listing["_id"]},
        {"$set": {"status": ListingStatus.CLOSED.value, "updatedAt": now()}},
        return_document=ReturnDocument.AFTER,
    )
    assert closed is not None
    return closed


async def add_listing_photos(
    db: Database,
    store: PhotoStore,
    seller: Viewer,
    listing_id: ObjectId | None,
    photos: list[bytes],
    limits: PhotoLimits,
) -> dict[str, Any]:
    listing = await own_listing(db, seller, listing_id)
    if not photos:
        return listing
    already, limit = len(listing.get("photos", [])), limits.count
    stored = await store_photos(
        store, photos, already=already, limit=limit, max_bytes=limits.max_bytes
    )
    updated = await db.listings.find_one_and_update(
        # Concurrent uploads cannot pass the limit: room is checked in the same update.
        {"_id": listing["_id"], f"photos.{limit - len(stored)}": {"$exists": False}},
        {"$push": {"photos": {"$each": [photo.doc for photo in stored]}}},
        return_document=ReturnDocument.AFTER,
    )
    if updated is None:
        raise RuleError("photos", f"最多上传 {limit} 张照片", PhotoErrorCode.TOO_MANY_PHOTOS)
    return updated


async def remove_listing_photo(
    db: Database, seller: Viewer, listing_id: ObjectId | None, photo_key: str
) -> dict[str, Any]:
    listing = await own_listing(db, seller, listing_id)
    updated = await db.listings.find_one_and_update(
        {"_id": listing["_id"]},
        {"$pull": {"photos": {"key": photo_key}}},
        return_document=ReturnDocument.AFTER,
    )
    assert updated is not None
    return updated


async def report_listing(
    db: Database, reporter: Viewer, listing_id: ObjectId | None, reason: str
) -> dict[str, Any]:
    """Anyone signed in reports a listing to its region's admins, once."""
    listing = await find_listing(db, listing_id)
    checks = Checks()
    reason = checks.text("reason", reason, label="举报理由", max_length=200) or ""
    checks.raise_if_any()
    try:
        await db.listing_reports.insert_one(
            {
                "listingId": listing["_id"],
                "reporterId": reporter.id,
                "reason": reason,
                "createdAt": now(),
            }
        )
    except DuplicateKeyError:
        raise RuleError(
            "listingId", "您已举报过该商品", ListingErrorCode.ALREADY_REPORTED
        ) from None
    await db.listings.update_one(
        {"_id": listing["_id"]}, {"$inc": {"reportCount": 1}, "$max": {"lastReportedAt": now()}}
    )
    return listing


async def moderate_listing(
    db: Database,
    viewer: Viewer | None,
    listing_id: ObjectId | None,
    *,
    hide: bool,
    reason: str | None,
) -> dict[str, Any]:
    """Admins of the region hide a listing, or show a hidden one again."""
    listing = await find_listing(db, listing_id)
    audit.concerns(listing["path"], "Listing", listing["_id"], detail=listing["title"])
    admin = require_admin_of(viewer, listing["path"])
    checks = Checks()
    reason = checks.text("reason", reason, label="原因", max_length=200, min_length=0)
    checks.raise_if_any()
    source = list(ORDERABLE) if hide else [ListingStatus.HIDDEN.value]
    # Restored as ACTIVE; settle_status makes it SOLD_OUT when there is no stock.
    target = ListingStatus.HIDDEN if hide else ListingStatus.ACTIVE
    event = {"action": "HIDE" if hide else "RESTORE", "at": now(), "actorId": admin.id}
    moved = await db.listings.find_one_and_update(
        {"_id": listing["_id"], "status": {"$in": source}},
        {
            "$set": {"status": target.value, "updatedAt": event["at"]},
            "$push": {"moderation": event | {"reason": reason or None}},
        },
        return_document=ReturnDocument.AFTER,
    )
    if moved is None:
        message = "只能隐藏在售的商品" if hide else "该商品没有被隐藏"
        raise RuleError("listingId", message, ListingErrorCode.INVALID_TRANSITION)
    if not hide:
        await settle_status(db, listing["_id"])
        moved = await _current(db, listing["_id"])
    return moved


# -- reading -----------------------------------------------------------------------------


class ListingSort(Enum):
    NEWEST = "NEWEST"
    PRICE_ASC = "PRICE_ASC"
    PRICE_DESC = "PRICE_DESC"


# (sort key, descending) of each order, backed by the listings' indexes ending in it
_SORTS = {
    ListingSort.NEWEST: ("_id", True),
    ListingSort.PRICE_ASC: ("priceFen", False),
    ListingSort.PRICE_DESC: ("priceFen", True),
}


@dataclass(frozen=True)
class ListingSearch:
    """The browse screen's filter, its IDs already turned into keys."""

    status: ListingStatus = ListingStatus.ACTIVE
    commodity: str | None = None
    category: ListingCategory | None = None
    region_code: str | None = None
    seller_key: str | None = None  # a malformed key names nobody: the page is empty
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    text: str | None = None


def listings_visible_to(viewer: Viewer | None, search: ListingSearch) -> dict[str, Any]:
    """The filter of the listings `viewer` may browse with `search`: hidden ones only to
    their seller and to admins (then inside their region). Values only from the checked
    search and from constants: no operator comes from the input."""
    query: dict[str, Any] = {"status": search.status.value}
    if search.commodity is not None:
        query["commodity"] = search.commodity.strip()
    if search.category is not None:
        query["category"] = search.category.value
    if search.seller_key is not None:
        query["sellerId"] = object_id(search.seller_key)
    paths = [] if search.region_code is None else [search.region_code]
    if search.status is ListingStatus.HIDDEN:
        paths += _hidden_scope(viewer, query.get("sellerId"))
    if paths:
        query["path"] = paths[0] if len(paths) == 1 else {"$all": paths}
    if prices := _price_range(search.min_price, search.max_price):
        query["priceFen"] = prices
    if search.text and (words := query_tokens(search.text)):
        query["searchTokens"] = {"$all": words}
    return query


def _hidden_scope(viewer: Viewer | None, seller_id: ObjectId | None) -> list[str]:
    """Where `viewer` may see hidden listings: its own anywhere ([]), else an admin's region."""
    if viewer is None:
        raise Unauthenticated()
    if seller_id == viewer.id:
        return []
    if not viewer.is_admin:
        raise Forbidden("只有管理员可以查看被隐藏的商品")
    return [viewer.scope_path[-1]]


def _price_range(low: Decimal | None, high: Decimal | None) -> dict[str, int]:
    """`priceFen` bounds in fen; a bound that is no price is refused."""
    prices: dict[str, int] = {}
    for bound, value in (("$gte", low), ("$lte", high)):
        if value is not None:
            fen = yuan_to_fen(value)
            if fen is None or not 0 <= fen < MAX_FEN:
                raise BadUserInput("价格范围无效", field="filter")
            prices[bound] = fen
    return prices


async def browse_listings(
    db: Database,
    viewer: Viewer | None,
    search: ListingSearch,
    sort: ListingSort,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """One page of the listings `viewer` may see with `search`, in the order asked."""
    sort_key, descending = _SORTS[sort]
    return await paginate(
        db.listings,
        listings_visible_to(viewer, search),
        sort_key=sort_key,
        descending=descending,
        first=first,
        after=after,
        projection={"searchTokens": 0},
    )
