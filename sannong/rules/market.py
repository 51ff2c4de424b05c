"""Marketplace vocabulary and stock, shared by `rules.listings` and `rules.orders`.

Stock lives on the listing as `quantityAvailable`; an open order (PENDING or
ACCEPTED) holds its quantity as reserved, a COMPLETED one as sold. So for every
listing, at every moment:

    quantityAvailable + Σ open orders + Σ completed orders = stock ever offered

Stock changes are single conditional updates (`quantityAvailable >= q`), which
is what keeps it from ever going negative under concurrent buyers. An order's
status changes with a conditional update on its current status, so of two
concurrent transitions only one wins and stock is returned exactly once.
"""

from enum import Enum, StrEnum
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from sannong.auth import Viewer
from sannong.clock import now
from sannong.db import Database

MAX_QUANTITY = 10_000_000


class ListingStatus(Enum):
    ACTIVE = "ACTIVE"
    SOLD_OUT = "SOLD_OUT"  # no stock left; ACTIVE again when stock returns
    CLOSED = "CLOSED"  # the seller ended it
    HIDDEN = "HIDDEN"  # an admin hid it after reports


class ListingCategory(Enum):
    GRAIN = "GRAIN"  # 粮油
    VEGETABLE = "VEGETABLE"  # 蔬菜
    FRUIT = "FRUIT"  # 水果
    LIVESTOCK = "LIVESTOCK"  # 畜禽
    AQUATIC = "AQUATIC"  # 水产
    EGG_DAIRY = "EGG_DAIRY"  # 蛋奶
    SPECIALTY = "SPECIALTY"  # 土特产
    OTHER = "OTHER"


class OrderStatus(Enum):
    PENDING = "PENDING"  # stock reserved, waiting for the seller
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"
    COMPLETED = "COMPLETED"


class ListingErrorCode(StrEnum):
    SOLD_OUT = "SOLD_OUT"
    NOT_AVAILABLE = "NOT_AVAILABLE"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    ALREADY_REPORTED = "ALREADY_REPORTED"


class OrderErrorCode(StrEnum):
    SOLD_OUT = "SOLD_OUT"
    NOT_AVAILABLE = "NOT_AVAILABLE"
    OWN_LISTING = "OWN_LISTING"
    BELOW_MINIMUM = "BELOW_MINIMUM"
    TOO_MANY_OPEN_ORDERS = "TOO_MANY_OPEN_ORDERS"
    INVALID_TRANSITION = "INVALID_TRANSITION"


OPEN_STATUSES = (OrderStatus.PENDING.value, OrderStatus.ACCEPTED.value)
ORDERABLE = (ListingStatus.ACTIVE.value, ListingStatus.SOLD_OUT.value)

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


def phrases_for(category: ListingCategory | None) -> list[str]:
    return PHRASES[None] + (PHRASES.get(category, []) if category else [])


def listing_visible_to(viewer: Viewer | None, doc: dict[str, Any]) -> bool:
    """A hidden listing is seen only by its seller and the admins of its region."""
    if doc["status"] != ListingStatus.HIDDEN.value:
        return True
    return viewer is not None and (viewer.id == doc["sellerId"] or viewer.administers(doc["path"]))


def order_visible_to(viewer: Viewer | None, doc: dict[str, Any]) -> bool:
    """Only the two parties see an order."""
    return viewer is not None and order_visible_to_id(viewer.id, doc)


def order_visible_to_id(person_id: ObjectId, doc: dict[str, Any]) -> bool:
    return person_id in (doc["buyerId"], doc["sellerId"])


def parties_see_phones(viewer: Viewer | None, order: dict[str, Any]) -> bool:
    """Once the seller accepts, buyer and seller call each other to arrange delivery."""
    return order["status"] == OrderStatus.ACCEPTED.value and order_visible_to(viewer, order)


async def settle_status(db: Database, listing_id: ObjectId) -> None:
    """SOLD_OUT at zero stock, ACTIVE when stock is back; conditional, so races settle."""
    await db.listings.update_one(
        {"_id": listing_id, "status": ListingStatus.ACTIVE.value, "quantityAvailable": 0},
        {"$set": {"status": ListingStatus.SOLD_OUT.value}},
    )
    await db.listings.update_one(
        {
            "_id": listing_id,
            "status": ListingStatus.SOLD_OUT.value,
            "quantityAvailable": {"$gt": 0},
        },
        {"$set": {"status": ListingStatus.ACTIVE.value}},
    )


async def reserve_stock(db: Database, listing_id: ObjectId, quantity: int) -> dict[str, Any] | None:
    """Takes `quantity` from the stock in one conditional update, or None if there is not enough."""
    listing = await db.listings.find_one_and_update(
        {
            "_id": listing_id,
            "status": {"$in": list(ORDERABLE)},
            "quantityAvailable": {"$gte": quantity},
        },
        {"$inc": {"quantityAvailable": -quantity}, "$set": {"updatedAt": now()}},
        return_document=ReturnDocument.AFTER,
    )
    if listing is not None and listing["quantityAvailable"] == 0:
        await settle_status(db, listing_id)
    return listing


async def return_stock(db: Database, listing_id: ObjectId, quantity: int) -> None:
    await db.listings.update_one(
        {"_id": listing_id}, {"$inc": {"quantityAvailable": quantity}, "$set": {"updatedAt": now()}}
    )
    await settle_status(db, listing_id)
