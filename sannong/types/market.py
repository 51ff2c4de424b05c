"""Marketplace types: listings, their photos, orders and what changes them."""

from datetime import datetime
from decimal import Decimal
from typing import Any, Self

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload

from sannong.loaders.market import ListingById, OrderById
from sannong.media import photo_url, thumbnail_url
from sannong.money import fen_to_yuan
from sannong.rules.listings import ListingSort
from sannong.rules.market import (
    ListingCategory,
    ListingStatus,
    OrderRole,
    OrderStatus,
    listing_visible_to,
    order_visible_to,
    parties_see_phones,
)
from sannong.types.accounts import User
from sannong.types.common import DocumentNode, UserError
from sannong.types.regions import Region

__all__ = ["ListingCategory", "ListingSort", "ListingStatus", "OrderRole", "OrderStatus"]


strawberry.enum(ListingStatus, description="Where a listing stands")
strawberry.enum(OrderStatus, description="Where an order stands")
strawberry.enum(
    ListingCategory, description="Kind of produce; the commodity catalogue will refine it"
)


strawberry.enum(ListingSort, description="Order of a listings page")
strawberry.enum(OrderRole, description="Whose orders: the ones I placed or the ones placed with me")


@strawberry.type(description="A photo of a listing, re-encoded as WebP")
class ListingPhoto:
    key: str
    width: int
    height: int

    @strawberry.field(description="Up to 1600 px on the longest side")
    def url(self) -> str:
        return photo_url(self.key)

    @strawberry.field(description="Up to 320 px, for lists")
    def thumbnail_url(self) -> str:
        return thumbnail_url(self.key)


@strawberry.type(description="Produce offered for sale by a farmer")
class Listing(DocumentNode):
    loader = ListingById

    key: relay.NodeID[str]
    commodity: str
    category: ListingCategory | None
    title: str
    description: str
    price: Decimal = strawberry.field(description="Price per unit in yuan")
    unit: str = strawberry.field(description="斤, 公斤, 箱, 只 ...")
    quantity_available: int
    quantity_sold: int
    min_order: int
    status: ListingStatus
    created_at: datetime
    updated_at: datetime
    doc: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            key=str(doc["_id"]),
            commodity=doc["commodity"],
            category=ListingCategory(doc["category"]) if doc.get("category") else None,
            title=doc["title"],
            description=doc.get("description", ""),
            price=fen_to_yuan(doc["priceFen"]),
            unit=doc["unit"],
            quantity_available=doc["quantityAvailable"],
            quantity_sold=doc.get("quantitySold", 0),
            min_order=doc["minOrder"],
            status=ListingStatus(doc["status"]),
            created_at=doc["createdAt"],
            updated_at=doc["updatedAt"],
            doc=doc,
        )

    @classmethod
    async def visible_to(cls, info: strawberry.Info, doc: dict[str, Any]) -> bool:
        return listing_visible_to(await info.context.viewer(), doc)

    @strawberry.field
    async def seller(self, info: strawberry.Info) -> User | None:
        return await User.load(info, self.doc["sellerId"])

    @strawberry.field(description="The village the produce is in")
    async def region(self, info: strawberry.Info) -> Region | None:
        return await Region.load(info, self.doc["regionId"])

    @strawberry.field
    def photos(self) -> list[ListingPhoto]:
        return [
            ListingPhoto(key=p["key"], width=p["width"], height=p["height"])
            for p in self.doc.get("photos", [])
        ]

    @strawberry.field(description="Thumbnail of the first photo, for lists")
    def thumbnail_url(self) -> str | None:
        photos = self.doc.get("photos", [])
        return thumbnail_url(photos[0]["key"]) if photos else None

    @strawberry.field(description="Reports by users; seen by the admins of the region")
    async def report_count(self, info: strawberry.Info) -> int | None:
        viewer = await info.context.viewer()
        if viewer is None or not viewer.administers(self.doc["path"]):
            return None
        count: int = self.doc.get("reportCount", 0)
        return count


@strawberry.type(description="One step of an order's history")
class OrderEvent:
    status: OrderStatus
    at: datetime
    reason: str | None
    actor_id: strawberry.Private[Any]

    @strawberry.field(description="Who made the step")
    async def actor(self, info: strawberry.Info) -> User | None:
        return await User.load(info, self.actor_id)


@strawberry.type(description="A buyer's order for part of a listing's stock")
class Order(DocumentNode):
    loader = OrderById

    key: relay.NodeID[str]
    title: str = strawberry.field(description="Title of the listing when the order was placed")
    quantity: int
    unit: str
    unit_price: Decimal = strawberry.field(description="Yuan per unit when the order was placed")
    total: Decimal = strawberry.field(description="Yuan")
    note: str | None
    status: OrderStatus
    created_at: datetime
    updated_at: datetime
    doc: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            key=str(doc["_id"]),
            title=doc["title"],
            quantity=doc["quantity"],
            unit=doc["unit"],
            unit_price=fen_to_yuan(doc["unitPriceFen"]),
            total=fen_to_yuan(doc["totalFen"]),
            note=doc.get("note"),
            status=OrderStatus(doc["status"]),
            created_at=doc["createdAt"],
            updated_at=doc["updatedAt"],
            doc=doc,
        )

    @classmethod
    async def visible_to(cls, info: strawberry.Info, doc: dict[str, Any]) -> bool:
        return order_visible_to(await info.context.viewer(), doc)

    @strawberry.field
    async def listing(self, info: strawberry.Info) -> Listing | None:
        return await Listing.load(info, self.doc["listingId"])

    @strawberry.field
    async def buyer(self, info: strawberry.Info) -> User | None:
        return await self._party(info, self.doc["buyerId"])

    @strawberry.field
    async def seller(self, info: strawberry.Info) -> User | None:
        return await self._party(info, self.doc["sellerId"])

    async def _party(self, info: strawberry.Info, person_id: Any) -> User | None:
        user = await User.load(info, person_id)
        if user is not None:
            user.phone_shown = parties_see_phones(await info.context.viewer(), self.doc)
        return user

    @strawberry.field(description="Every step, oldest first, with time and actor")
    def history(self) -> list[OrderEvent]:
        return [
            OrderEvent(
                status=OrderStatus(e["status"]),
                at=e["at"],
                reason=e.get("reason"),
                actor_id=e["actorId"],
            )
            for e in self.doc["history"]
        ]


@strawberry.type
class ListingPayload:
    listing: Listing | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class OrderPayload:
    order: Order | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ListingFilter:
    commodity: str | None = None
    category: ListingCategory | None = None
    region_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Any region: listings of its whole subtree"
    )
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    text: str | None = strawberry.field(default=None, description="Words of title and commodity")
    seller_id: relay.GlobalID | None = None
    status: ListingStatus = strawberry.field(
        default=ListingStatus.ACTIVE,
        description="HIDDEN only for the seller's own listings or an admin's region",
    )


@strawberry.input
class CreateListingInput:
    commodity: str = strawberry.field(description="What is sold, e.g. 大白菜")
    title: str
    price: Decimal = strawberry.field(description="Yuan per unit")
    unit: str
    quantity: int = strawberry.field(description="Stock offered, in units")
    category: ListingCategory | None = None
    description: str | None = None
    min_order: int = 1
    village_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Where the produce is; default the seller's village"
    )
    photos: list[Upload] | None = strawberry.field(
        default=None, description="Multipart upload; JPEG, PNG or WebP, ≤ 5 MB each, ≤ 6"
    )


@strawberry.input
class UpdateListingInput:
    listing_id: relay.GlobalID
    commodity: str | None = None
    category: ListingCategory | None = None
    title: str | None = None
    description: str | None = None
    price: Decimal | None = None
    unit: str | None = None
    min_order: int | None = None
    add_quantity: int | None = strawberry.field(
        default=None,
        description="Stock to add (negative: to take away); relative, so it never races orders",
    )


@strawberry.input
class CloseListingInput:
    listing_id: relay.GlobalID


@strawberry.input
class AddListingPhotosInput:
    listing_id: relay.GlobalID
    photos: list[Upload]


@strawberry.input
class RemoveListingPhotoInput:
    listing_id: relay.GlobalID
    photo_key: str


@strawberry.input
class ReportListingInput:
    listing_id: relay.GlobalID
    reason: str


@strawberry.input
class ModerateListingInput:
    listing_id: relay.GlobalID
    reason: str | None = None


@strawberry.input
class PlaceOrderInput:
    listing_id: relay.GlobalID
    quantity: int
    idempotency_key: str = strawberry.field(
        description="Chosen by the client per order; a retry with it returns the first order"
    )
    note: str | None = strawberry.field(default=None, description="E.g. pick-up time")


@strawberry.input
class RespondToOrderInput:
    order_id: relay.GlobalID
    accept: bool
    reason: str | None = None


@strawberry.input
class CancelOrderInput:
    order_id: relay.GlobalID
    reason: str | None = None


@strawberry.input
class CompleteOrderInput:
    order_id: relay.GlobalID
