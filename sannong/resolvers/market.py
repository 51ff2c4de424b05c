"""Marketplace: listings, photos, browsing, orders, moderation and order updates."""

from collections.abc import AsyncGenerator

import strawberry

from sannong.context import Context
from sannong.integrations.events import Event, Topic
from sannong.media import PhotoLimits
from sannong.resolvers.inputs import read_uploads
from sannong.rules import listings, orders
from sannong.rules.audit import AuditAction
from sannong.rules.listings import ListingDraft, ListingSearch, NewListing
from sannong.rules.market import ListingStatus, OrderStatus, phrases_for
from sannong.settings import Settings
from sannong.types.common import Connection, mutation, node_key, object_key
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


def _draft(input: CreateListingInput | UpdateListingInput) -> ListingDraft:
    return ListingDraft(
        commodity=input.commodity,
        title=input.title,
        description=input.description,
        unit=input.unit,
        category=input.category,
        price=input.price,
        quantity=getattr(input, "quantity", None),
        min_order=input.min_order,
    )


def _photo_limits(settings: Settings) -> PhotoLimits:
    return PhotoLimits(count=settings.photos_per_listing, max_bytes=settings.photo_max_bytes)


def _search(filter: ListingFilter) -> ListingSearch:
    region, seller = filter.region_id, filter.seller_id
    return ListingSearch(
        status=filter.status,
        commodity=filter.commodity,
        category=filter.category,
        region_code=None if region is None else node_key(region, "Region", "regionId"),
        seller_key=None if seller is None else node_key(seller, "User", "sellerId"),
        min_price=filter.min_price,
        max_price=filter.max_price,
        text=filter.text,
    )


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
        search = _search(filter or ListingFilter())
        # Only hidden listings depend on who asks: a sign-in is looked up for them alone.
        hidden = search.status is ListingStatus.HIDDEN
        page = await listings.browse_listings(
            info.context.db,
            await info.context.require_viewer() if hidden else None,
            search,
            sort or ListingSort.NEWEST,
            first=first,
            after=after,
        )
        return Connection[Listing].from_page(page, Listing.from_doc)

    @strawberry.field(description="Ready-made phrases for a listing's description")
    def listing_phrases(self, category: ListingCategory | None = None) -> list[str]:
        return phrases_for(category)

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
        page = await orders.my_orders(
            info.context.db, viewer, role, status, first=first, after=after
        )
        return Connection[Order].from_page(page, Order.from_doc)


@strawberry.type
class MarketMutation:
    @mutation("Offer produce for sale (photos as multipart uploads)")
    async def create_listing(
        self, info: strawberry.Info[Context], input: CreateListingInput
    ) -> ListingPayload:
        context = info.context
        seller = await context.require_viewer()
        village_code = (
            seller.region_path[-1]
            if input.village_id is None
            else node_key(input.village_id, "Region", "villageId")
        )
        doc = await listings.create_listing(
            context,
            context.services.photos,
            NewListing(
                seller=seller,
                village_code=village_code,
                draft=_draft(input),
                photos=await read_uploads(info, input.photos),
            ),
            _photo_limits(context.settings),
        )
        return ListingPayload(listing=Listing.from_doc(doc))

    @mutation("Change a listing; stock by `addQuantity`, never absolute")
    async def update_listing(
        self, info: strawberry.Info[Context], input: UpdateListingInput
    ) -> ListingPayload:
        doc = await listings.update_listing(
            info.context.db,
            await info.context.require_viewer(),
            object_key(input.listing_id, "Listing", "listingId"),
            _draft(input),
            input.add_quantity,
        )
        return ListingPayload(listing=Listing.from_doc(doc))

    @mutation("The seller ends a listing; open orders stay to be handled")
    async def close_listing(
        self, info: strawberry.Info[Context], input: CloseListingInput
    ) -> ListingPayload:
        doc = await listings.close_listing(
            info.context.db,
            await info.context.require_viewer(),
            object_key(input.listing_id, "Listing", "listingId"),
        )
        return ListingPayload(listing=Listing.from_doc(doc))

    @mutation("Add photos (multipart uploads) to one's listing")
    async def add_listing_photos(
        self, info: strawberry.Info[Context], input: AddListingPhotosInput
    ) -> ListingPayload:
        context = info.context
        seller = await context.require_viewer()
        doc = await listings.add_listing_photos(
            context.db,
            context.services.photos,
            seller,
            object_key(input.listing_id, "Listing", "listingId"),
            await read_uploads(info, input.photos),
            _photo_limits(context.settings),
        )
        return ListingPayload(listing=Listing.from_doc(doc))

    @mutation("Remove a photo from one's listing")
    async def remove_listing_photo(
        self, info: strawberry.Info[Context], input: RemoveListingPhotoInput
    ) -> ListingPayload:
        doc = await listings.remove_listing_photo(
            info.context.db,
            await info.context.require_viewer(),
            object_key(input.listing_id, "Listing", "listingId"),
            str(input.photo_key),
        )
        return ListingPayload(listing=Listing.from_doc(doc))

    @mutation("Anyone signed in reports a listing to the region's admins")
    async def report_listing(
        self, info: strawberry.Info[Context], input: ReportListingInput
    ) -> ListingPayload:
        doc = await listings.report_listing(
            info.context.db,
            await info.context.require_viewer(),
            object_key(input.listing_id, "Listing", "listingId"),
            input.reason,
        )
        return ListingPayload(listing=Listing.from_doc(doc))

    @mutation("Admins of the region hide a listing from buyers", audit=AuditAction.HIDE_LISTING)
    async def hide_listing(
        self, info: strawberry.Info[Context], input: ModerateListingInput
    ) -> ListingPayload:
        return await _moderate(info, input, hide=True)

    @mutation("Admins of the region show a hidden listing again", audit=AuditAction.RESTORE_LISTING)
    async def restore_listing(
        self, info: strawberry.Info[Context], input: ModerateListingInput
    ) -> ListingPayload:
        return await _moderate(info, input, hide=False)

    @mutation("Order part of a listing's stock; reserves it at once")
    async def place_order(
        self, info: strawberry.Info[Context], input: PlaceOrderInput
    ) -> OrderPayload:
        context = info.context
        viewer = await context.require_viewer()
        order = await orders.place_order(
            context.db,
            buyer_id=viewer.id,
            listing_id=object_key(input.listing_id, "Listing", "listingId"),
            quantity=input.quantity,
            idempotency_key=input.idempotency_key,
            note=input.note,
            max_open_orders=context.settings.max_open_orders_per_buyer,
        )
        return OrderPayload(order=Order.from_doc(order))

    @mutation("The seller accepts or rejects a pending order")
    async def respond_to_order(
        self, info: strawberry.Info[Context], input: RespondToOrderInput
    ) -> OrderPayload:
        target = OrderStatus.ACCEPTED if input.accept else OrderStatus.REJECTED
        return await _move(info, input.order_id, target, input.reason)

    @mutation("The buyer cancels an order the seller has not accepted")
    async def cancel_order(
        self, info: strawberry.Info[Context], input: CancelOrderInput
    ) -> OrderPayload:
        return await _move(info, input.order_id, OrderStatus.CANCELLED, input.reason)

    @mutation("Buyer or seller: the goods were handed over and paid")
    async def complete_order(
        self, info: strawberry.Info[Context], input: CompleteOrderInput
    ) -> OrderPayload:
        return await _move(info, input.order_id, OrderStatus.COMPLETED, None)


async def _move(
    info: strawberry.Info[Context],
    order_id: strawberry.relay.GlobalID,
    to: OrderStatus,
    reason: str | None,
) -> OrderPayload:
    viewer = await info.context.require_viewer()
    moved = await orders.move_order(
        info.context.db, viewer.id, object_key(order_id, "Order", "orderId"), to, reason
    )
    return OrderPayload(order=Order.from_doc(moved))


async def _moderate(
    info: strawberry.Info[Context], input: ModerateListingInput, *, hide: bool
) -> ListingPayload:
    doc = await listings.moderate_listing(
        info.context.db,
        await info.context.viewer(),
        object_key(input.listing_id, "Listing", "listingId"),
        hide=hide,
        reason=input.reason,
    )
    return ListingPayload(listing=Listing.from_doc(doc))


@strawberry.type
class MarketSubscription:
    @strawberry.subscription(description="Orders of mine (as buyer or seller) as they change")
    async def order_updated(self, info: strawberry.Info[Context]) -> AsyncGenerator[Order]:
        viewer = await info.context.require_viewer()

        async def load(event: Event) -> Order | None:
            (order,) = await Order.resolve_nodes(info=info, node_ids=[str(event.ids[0])])
            return order

        async for order in info.context.follow([(Topic.ORDERS, str(viewer.id))], load):
            yield order
