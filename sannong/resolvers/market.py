"""Marketplace: listings, photos, browsing, orders, moderation and order updates."""

from collections.abc import AsyncGenerator
from decimal import Decimal
from typing import Any

import strawberry
from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError
from strawberry import relay
from strawberry.file_uploads import Upload

from sannong.auth import Viewer, require_admin_of
from sannong.context import Context
from sannong.db.pagination import paginate
from sannong.errors import BadUserInput, Forbidden, NotFound
from sannong.loaders.regions import RegionById
from sannong.media import Photo, store_photo
from sannong.money import MAX_FEN, yuan_to_fen
from sannong.resolvers.regions import load_region
from sannong.rules import market as rules
from sannong.rules.market import ListingStatus, OrderStatus
from sannong.text import query_tokens, tokens
from sannong.types.common import Connection, UserErrorCode, UserErrors, node_key, object_key
from sannong.types.market import (
    AddListingPhotosInput,
    CancelOrderInput,
    CloseListingInput,
    CompleteOrderInput,
    CreateListingInput,
    Listing,
    ListingCategory,
    ListingFilter,
    ListingPayload,
    ListingSort,
    ModerateListingInput,
    Order,
    OrderPayload,
    OrderRole,
    PlaceOrderInput,
    RemoveListingPhotoInput,
    ReportListingInput,
    RespondToOrderInput,
    UpdateListingInput,
)
from sannong.types.regions import RegionLevel
from sannong.validation import Checks

MAX_PRICE_FEN = 100_000_000  # 100 万元 per unit: anything above is a typo
MAX_QUANTITY = 10_000_000
IDEMPOTENCY_KEY_LENGTH = (8, 64)

# Ready-made phrases for people who find typing hard; tap to add to the description.
PHRASES: dict[ListingCategory | None, list[str]] = {
    None: [
        "自家种植，品质有保证",
        "新鲜采摘，当天发货",
        "可以上门自提",
        "量大从优，欢迎批发",
        "支持先验货后付款",
        "本地可送货上门",
        "欢迎电话咨询",
    ],
    ListingCategory.VEGETABLE: ["大棚种植，无农药残留", "早上现摘，保证新鲜"],
    ListingCategory.FRUIT: ["树上熟，口感甜", "个头均匀，可以挑选", "坏果包赔"],
    ListingCategory.GRAIN: ["今年新粮，颗粒饱满", "晒干扬净，水分低"],
    ListingCategory.LIVESTOCK: ["散养土鸡，吃粮食长大", "已检疫，手续齐全"],
    ListingCategory.AQUATIC: ["活鲜现捞", "自家鱼塘养殖"],
    ListingCategory.EGG_DAIRY: ["散养土鸡蛋，蛋黄颜色深", "当天的鲜蛋"],
    ListingCategory.SPECIALTY: ["本地特产，老手艺制作", "适合送礼"],
}


def _object_id(global_id: relay.GlobalID, type_name: str, field: str) -> ObjectId:
    key = object_key(global_id, type_name, field)
    if key is None:
        raise NotFound(field=field)
    return key


async def _listing(info: strawberry.Info[Context], global_id: relay.GlobalID) -> dict[str, Any]:
    doc = await info.context.db.listings.find_one(
        {"_id": _object_id(global_id, "Listing", "listingId")}
    )
    if doc is None:
        raise NotFound("商品不存在", field="listingId")
    return doc


async def _own_listing(
    info: strawberry.Info[Context], global_id: relay.GlobalID
) -> tuple[Viewer, dict[str, Any]]:
    viewer = await info.context.require_viewer()
    doc = await _listing(info, global_id)
    if doc["sellerId"] != viewer.id:
        raise Forbidden("只能修改自己发布的商品")
    return viewer, doc


async def _order(info: strawberry.Info[Context], global_id: relay.GlobalID) -> dict[str, Any]:
    doc = await info.context.db.orders.find_one({"_id": _object_id(global_id, "Order", "orderId")})
    if doc is None:
        raise NotFound("订单不存在", field="orderId")
    return doc


def _price(checks: Checks, field: str, value: Decimal) -> int | None:
    fen = yuan_to_fen(value)
    if fen is None:
        checks.fail(field, "价格最多保留两位小数")
    elif not 0 < fen <= MAX_PRICE_FEN:
        checks.fail(field, "价格应大于 0 且不超过 100 万元")
    else:
        return fen
    return None


def _count(checks: Checks, field: str, value: int, label: str) -> int:
    if not 1 <= value <= MAX_QUANTITY:
        checks.fail(field, f"{label}应在 1 到 {MAX_QUANTITY} 之间")
    return value


def _texts(checks: Checks, input: CreateListingInput | UpdateListingInput) -> dict[str, Any]:
    values = {
        "commodity": checks.text("commodity", input.commodity, label="品名", max_length=20),
        "title": checks.text("title", input.title, label="标题", max_length=40),
        "description": checks.text(
            "description", input.description, label="描述", max_length=500, min_length=0
        ),
        "unit": checks.text("unit", input.unit, label="单位", max_length=8),
    }
    return {key: value for key, value in values.items() if value is not None}


def _search_tokens(doc: dict[str, Any]) -> list[str]:
    return tokens(doc["commodity"], doc["title"], doc.get("description"))


async def _read_photos(
    info: strawberry.Info[Context], uploads: list[Upload], already: int
) -> list[Photo]:
    """Each upload checked by size and content; nothing is stored unless every one is fine."""
    settings = info.context.settings
    if already + len(uploads) > settings.photos_per_listing:
        raise UserErrors.one(
            "photos",
            f"每个商品最多 {settings.photos_per_listing} 张照片",
            UserErrorCode.TOO_MANY_PHOTOS,
        )
    contents: list[bytes] = []
    for index, upload in enumerate(uploads):
        data = await upload.read(settings.photo_max_bytes + 1)
        if len(data) > settings.photo_max_bytes:
            limit = settings.photo_max_bytes // (1024 * 1024)
            raise UserErrors.one(
                f"photos.{index}", f"照片不能超过 {limit} MB", UserErrorCode.PHOTO_TOO_LARGE
            )
        contents.append(data)
    store = info.context.services.photos
    return [await store_photo(store, data, f"photos.{i}") for i, data in enumerate(contents)]


def _publish(info: strawberry.Info[Context], order: dict[str, Any]) -> None:
    broker = info.context.services.broker
    for party in {order["buyerId"], order["sellerId"]}:
        broker.publish(f"orders:{party}", order)


@strawberry.type
class MarketQuery:
    @strawberry.field(description="Listings, newest or by price, with keyset cursors")
    async def listings(
        self,
        info: strawberry.Info[Context],
        filter: ListingFilter | None = None,
        sort: ListingSort | None = ListingSort.NEWEST,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Listing]:
        filter = filter or ListingFilter()
        sort = sort or ListingSort.NEWEST
        query: dict[str, Any] = {"status": filter.status.value}
        paths: list[str] = []
        if filter.commodity is not None:
            query["commodity"] = filter.commodity.strip()
        if filter.category is not None:
            query["category"] = filter.category.value
        if filter.region_id is not None:
            paths.append(node_key(filter.region_id, "Region", "regionId"))
        if filter.seller_id is not None:
            query["sellerId"] = _object_id(filter.seller_id, "User", "sellerId")
        if filter.status is ListingStatus.HIDDEN:
            viewer = await info.context.require_viewer()
            if query.get("sellerId") != viewer.id:
                if not viewer.is_admin:
                    raise Forbidden("只有管理员可以查看被隐藏的商品")
                paths.append(viewer.scope_path[-1])
        if paths:
            query["path"] = paths[0] if len(paths) == 1 else {"$all": paths}
        prices: dict[str, int] = {}
        for bound, value in (("$gte", filter.min_price), ("$lte", filter.max_price)):
            if value is not None:
                fen = yuan_to_fen(value)
                if fen is None or not 0 <= fen < MAX_FEN:
                    raise BadUserInput("价格范围无效", field="filter")
                prices[bound] = fen
        if prices:
            query["priceFen"] = prices
        if filter.text and (words := query_tokens(filter.text)):
            query["searchTokens"] = {"$all": words}
        sort_key, descending = {
            ListingSort.NEWEST: ("_id", True),
            ListingSort.PRICE_ASC: ("priceFen", False),
            ListingSort.PRICE_DESC: ("priceFen", True),
        }[sort]
        listings = info.context.db.listings
        page = await paginate(
            listings,
            query,
            sort_key=sort_key,
            descending=descending,
            first=first,
            after=after,
            projection={"searchTokens": 0},
        )
        return Connection[Listing].from_page(
            page, Listing.from_doc, lambda: listings.count_documents(query)
        )

    @strawberry.field(description="Ready-made phrases for a listing's description")
    def listing_phrases(self, category: ListingCategory | None = None) -> list[str]:
        return PHRASES[None] + (PHRASES.get(category, []) if category else [])

    @strawberry.field(description="Orders I placed (BUYER) or received (SELLER), newest first")
    async def my_orders(
        self,
        info: strawberry.Info[Context],
        role: OrderRole,
        status: OrderStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Order]:
        viewer = await info.context.require_viewer()
        party = "buyerId" if role is OrderRole.BUYER else "sellerId"
        query: dict[str, Any] = {party: viewer.id}
        if status is not None:
            query["status"] = status.value
        page = await paginate(info.context.db.orders, query, first=first, after=after)
        return Connection[Order].from_page(page, Order.from_doc)


@strawberry.type
class MarketMutation:
    @strawberry.mutation(description="Offer produce for sale (photos as multipart uploads)")
    async def create_listing(
        self, info: strawberry.Info[Context], input: CreateListingInput
    ) -> ListingPayload:
        viewer = await info.context.require_viewer()
        checks = Checks()
        doc = _texts(checks, input)
        price = _price(checks, "price", input.price)
        quantity = _count(checks, "quantity", input.quantity, "数量")
        min_order = _count(checks, "minOrder", input.min_order, "起订量")
        if not checks.errors and min_order > quantity:
            checks.fail("minOrder", "起订量不能大于数量")
        if input.village_id is not None:
            village = await load_region(
                info, input.village_id, checks, "villageId", level=RegionLevel.VILLAGE
            )
        else:
            village = await RegionById.of(info.context).load(viewer.region_path[-1])
        if checks.errors:
            return ListingPayload(user_errors=checks.errors)
        assert village is not None
        try:
            photos = await _read_photos(info, input.photos or [], 0)
        except UserErrors as failed:
            return ListingPayload(user_errors=failed.errors)
        at = rules.now()
        doc |= {
            "sellerId": viewer.id,
            "category": input.category.value if input.category else None,
            "description": doc.get("description", ""),
            "priceFen": price,
            "quantityAvailable": quantity,
            "quantitySold": 0,
            "minOrder": min_order,
            "regionId": village["_id"],
            "path": village["path"],
            "photos": [photo.doc for photo in photos],
            "status": ListingStatus.ACTIVE.value,
            "reportCount": 0,
            "createdAt": at,
            "updatedAt": at,
        }
        doc["searchTokens"] = _search_tokens(doc)
        doc["_id"] = (await info.context.db.listings.insert_one(doc)).inserted_id
        return ListingPayload(listing=Listing.from_doc(doc))

    @strawberry.mutation(description="Change a listing; stock by `addQuantity`, never absolute")
    async def update_listing(
        self, info: strawberry.Info[Context], input: UpdateListingInput
    ) -> ListingPayload:
        _, listing = await _own_listing(info, input.listing_id)
        checks = Checks()
        changes = _texts(checks, input)
        if input.category is not None:
            changes["category"] = input.category.value
        if input.price is not None:
            changes["priceFen"] = _price(checks, "price", input.price)
        if input.min_order is not None:
            changes["minOrder"] = _count(checks, "minOrder", input.min_order, "起订量")
        if input.add_quantity is not None and input.add_quantity == 0:
            checks.fail("addQuantity", "数量变化不能为 0")
        if listing["status"] == ListingStatus.CLOSED.value:
            checks.fail("listingId", "商品已下架，不能修改", UserErrorCode.NOT_AVAILABLE)
        if checks.errors:
            return ListingPayload(user_errors=checks.errors)
        db = info.context.db
        if changes.keys() & {"commodity", "title", "description"}:
            changes["searchTokens"] = _search_tokens(listing | changes)
        delta = input.add_quantity or 0
        updated = await db.listings.find_one_and_update(
            # Taking stock away needs that much unreserved stock, checked in the same update.
            {"_id": listing["_id"], "quantityAvailable": {"$gte": max(0, -delta)}},
            {"$set": changes | {"updatedAt": rules.now()}, "$inc": {"quantityAvailable": delta}},
            return_document=ReturnDocument.AFTER,
        )
        if updated is None:
            return ListingPayload(
                user_errors=UserErrors.one(
                    "addQuantity", "可售数量不足，无法减少这么多", UserErrorCode.SOLD_OUT
                ).errors
            )
        if delta:
            await rules.settle_status(db, listing["_id"])
            updated = await db.listings.find_one({"_id": listing["_id"]})
            assert updated is not None
        return ListingPayload(listing=Listing.from_doc(updated))

    @strawberry.mutation(description="The seller ends a listing; open orders stay to be handled")
    async def close_listing(
        self, info: strawberry.Info[Context], input: CloseListingInput
    ) -> ListingPayload:
        _, listing = await _own_listing(info, input.listing_id)
        closed = await info.context.db.listings.find_one_and_update(
            {"_id": listing["_id"]},
            {"$set": {"status": ListingStatus.CLOSED.value, "updatedAt": rules.now()}},
            return_document=ReturnDocument.AFTER,
        )
        assert closed is not None
        return ListingPayload(listing=Listing.from_doc(closed))

    @strawberry.mutation(description="Add photos (multipart uploads) to one's listing")
    async def add_listing_photos(
        self, info: strawberry.Info[Context], input: AddListingPhotosInput
    ) -> ListingPayload:
        _, listing = await _own_listing(info, input.listing_id)
        if not input.photos:
            return ListingPayload(listing=Listing.from_doc(listing))
        try:
            photos = await _read_photos(info, input.photos, len(listing.get("photos", [])))
        except UserErrors as failed:
            return ListingPayload(user_errors=failed.errors)
        limit = info.context.settings.photos_per_listing
        updated = await info.context.db.listings.find_one_and_update(
            # Concurrent uploads cannot pass the limit: room is checked in the same update.
            {"_id": listing["_id"], f"photos.{limit - len(photos)}": {"$exists": False}},
            {"$push": {"photos": {"$each": [photo.doc for photo in photos]}}},
            return_document=ReturnDocument.AFTER,
        )
        if updated is None:
            return ListingPayload(
                user_errors=UserErrors.one(
                    "photos", f"每个商品最多 {limit} 张照片", UserErrorCode.TOO_MANY_PHOTOS
                ).errors
            )
        return ListingPayload(listing=Listing.from_doc(updated))

    @strawberry.mutation(description="Remove a photo from one's listing")
    async def remove_listing_photo(
        self, info: strawberry.Info[Context], input: RemoveListingPhotoInput
    ) -> ListingPayload:
        _, listing = await _own_listing(info, input.listing_id)
        updated = await info.context.db.listings.find_one_and_update(
            {"_id": listing["_id"]},
            {"$pull": {"photos": {"key": str(input.photo_key)}}},
            return_document=ReturnDocument.AFTER,
        )
        assert updated is not None
        return ListingPayload(listing=Listing.from_doc(updated))

    @strawberry.mutation(description="Anyone signed in reports a listing to the region's admins")
    async def report_listing(
        self, info: strawberry.Info[Context], input: ReportListingInput
    ) -> ListingPayload:
        viewer = await info.context.require_viewer()
        listing = await _listing(info, input.listing_id)
        checks = Checks()
        reason = checks.text("reason", input.reason, label="举报理由", max_length=200)
        if checks.errors:
            return ListingPayload(user_errors=checks.errors)
        db = info.context.db
        try:
            await db.listing_reports.insert_one(
                {
                    "listingId": listing["_id"],
                    "reporterId": viewer.id,
                    "reason": reason,
                    "createdAt": rules.now(),
                }
            )
        except DuplicateKeyError:
            return ListingPayload(
                user_errors=UserErrors.one(
                    "listingId", "您已举报过该商品", UserErrorCode.ALREADY_REPORTED
                ).errors
            )
        await db.listings.update_one({"_id": listing["_id"]}, {"$inc": {"reportCount": 1}})
        return ListingPayload(listing=Listing.from_doc(listing))

    @strawberry.mutation(description="Admins of the region hide a listing from buyers")
    async def hide_listing(
        self, info: strawberry.Info[Context], input: ModerateListingInput
    ) -> ListingPayload:
        return await _moderate(info, input, hide=True)

    @strawberry.mutation(description="Admins of the region show a hidden listing again")
    async def restore_listing(
        self, info: strawberry.Info[Context], input: ModerateListingInput
    ) -> ListingPayload:
        return await _moderate(info, input, hide=False)

    @strawberry.mutation(description="Order part of a listing's stock; reserves it at once")
    async def place_order(
        self, info: strawberry.Info[Context], input: PlaceOrderInput
    ) -> OrderPayload:
        viewer = await info.context.require_viewer()
        checks = Checks()
        if input.quantity < 1 or input.quantity > MAX_QUANTITY:
            checks.fail("quantity", "购买数量应大于 0")
        key = input.idempotency_key
        low, high = IDEMPOTENCY_KEY_LENGTH
        if not (low <= len(key) <= high and key.isascii() and key.isprintable()):
            checks.fail("idempotencyKey", f"幂等键应为 {low} 到 {high} 个 ASCII 字符")
        note = checks.text("note", input.note, label="留言", max_length=200, min_length=0)
        listing_id = _object_id(input.listing_id, "Listing", "listingId")
        if checks.errors:
            return OrderPayload(user_errors=checks.errors)
        try:
            order = await rules.place_order(
                info.context.db,
                buyer_id=viewer.id,
                listing_id=listing_id,
                quantity=input.quantity,
                idempotency_key=key,
                note=note or None,
                max_open_orders=info.context.settings.max_open_orders_per_buyer,
            )
        except UserErrors as failed:
            return OrderPayload(user_errors=failed.errors)
        _publish(info, order)
        return OrderPayload(order=Order.from_doc(order))

    @strawberry.mutation(description="The seller accepts or rejects a pending order")
    async def respond_to_order(
        self, info: strawberry.Info[Context], input: RespondToOrderInput
    ) -> OrderPayload:
        target = OrderStatus.ACCEPTED if input.accept else OrderStatus.REJECTED
        return await _move(info, input.order_id, target, input.reason)

    @strawberry.mutation(description="The buyer cancels an order the seller has not accepted")
    async def cancel_order(
        self, info: strawberry.Info[Context], input: CancelOrderInput
    ) -> OrderPayload:
        return await _move(info, input.order_id, OrderStatus.CANCELLED, input.reason)

    @strawberry.mutation(description="Buyer or seller: the goods were handed over and paid")
    async def complete_order(
        self, info: strawberry.Info[Context], input: CompleteOrderInput
    ) -> OrderPayload:
        return await _move(info, input.order_id, OrderStatus.COMPLETED, None)


async def _move(
    info: strawberry.Info[Context],
    order_id: relay.GlobalID,
    to: OrderStatus,
    reason: str | None,
) -> OrderPayload:
    viewer = await info.context.require_viewer()
    order = await _order(info, order_id)
    checks = Checks()
    reason = checks.text("reason", reason, label="原因", max_length=200, min_length=0)
    if checks.errors:
        return OrderPayload(user_errors=checks.errors)
    try:
        moved = await rules.move_order(info.context.db, order, to, viewer.id, reason or None)
    except UserErrors as failed:
        return OrderPayload(user_errors=failed.errors)
    _publish(info, moved)
    return OrderPayload(order=Order.from_doc(moved))


async def _moderate(
    info: strawberry.Info[Context], input: ModerateListingInput, *, hide: bool
) -> ListingPayload:
    listing = await _listing(info, input.listing_id)
    viewer = require_admin_of(await info.context.viewer(), listing["path"])
    checks = Checks()
    reason = checks.text("reason", input.reason, label="原因", max_length=200, min_length=0)
    if checks.errors:
        return ListingPayload(user_errors=checks.errors)
    source = list(rules.ORDERABLE) if hide else [ListingStatus.HIDDEN.value]
    # Restored as ACTIVE; settle_status makes it SOLD_OUT when there is no stock.
    target = ListingStatus.HIDDEN if hide else ListingStatus.ACTIVE
    event = {"action": "HIDE" if hide else "RESTORE", "at": rules.now(), "actorId": viewer.id}
    db = info.context.db
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
        return ListingPayload(
            user_errors=UserErrors.one(
                "listingId", message, UserErrorCode.INVALID_TRANSITION
            ).errors
        )
    if not hide:
        await rules.settle_status(db, listing["_id"])
        moved = await db.listings.find_one({"_id": listing["_id"]})
        assert moved is not None
    return ListingPayload(listing=Listing.from_doc(moved))


@strawberry.type
class MarketSubscription:
    @strawberry.subscription(
        description="Orders of mine (as buyer or seller) as they change; same worker process only"
    )
    async def order_updated(self, info: strawberry.Info[Context]) -> AsyncGenerator[Order]:
        viewer = await info.context.require_viewer()
        async for doc in info.context.services.broker.subscribe(f"orders:{viewer.id}"):
            info.context.loaders.clear()  # a long connection must not serve stale objects
            yield Order.from_doc(doc)
