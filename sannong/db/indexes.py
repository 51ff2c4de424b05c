"""Every index the service relies on, declared once and applied idempotently at start-up.

Each query shape in the code names the index that serves it here.
"""

from dataclasses import dataclass, field
from typing import Any

import pymongo
from pymongo import IndexModel

from sannong.db import Database

type Keys = list[tuple[str, int]]


@dataclass(frozen=True)
class Index:
    keys: Keys
    unique: bool = False
    ttl_seconds: int | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def model(self) -> IndexModel:
        options = dict(self.options)
        if self.unique:
            options["unique"] = True
        if self.ttl_seconds is not None:
            options["expireAfterSeconds"] = self.ttl_seconds
        return IndexModel(self.keys, **options)


INDEXES: dict[str, list[Index]] = {
    "regions": [
        Index([("parentId", 1), ("_id", 1)]),  # children of a region
        Index([("level", 1), ("_id", 1)]),  # regions by level
        Index([("path", 1), ("_id", 1)]),  # subtree: every region under an ancestor
        Index([("parentId", 1), ("name", 1)], unique=True),  # a name once among siblings
    ],
    "users": [
        Index([("phone", 1)], unique=True),  # login, duplicate phone
        Index([("path", 1), ("_id", 1)]),  # users of a region subtree (admins' `users`)
        Index([("path", 1), ("role", 1), ("_id", 1)]),  # ... of one role
    ],
    "sessions": [
        Index([("tokenHash", 1)], unique=True),  # bearer token lookup
        Index([("userId", 1)]),  # revoke every token of a user
        Index([("expiresAt", 1)], ttl_seconds=0),  # expired tokens disappear
    ],
    "throttle": [
        Index([("key", 1)], unique=True),
        Index([("expiresAt", 1)], ttl_seconds=0),
    ],
    "listings": [
        Index([("status", 1), ("_id", -1)]),  # newest
        Index([("status", 1), ("priceFen", 1), ("_id", 1)]),  # cheapest / dearest
        Index([("path", 1), ("status", 1), ("_id", -1)]),  # newest in a region subtree
        Index([("path", 1), ("status", 1), ("priceFen", 1), ("_id", 1)]),
        Index([("commodity", 1), ("status", 1), ("_id", -1)]),
        Index([("commodity", 1), ("status", 1), ("priceFen", 1), ("_id", 1)]),
        Index([("searchTokens", 1), ("status", 1), ("_id", -1)]),  # text search
        Index([("sellerId", 1), ("_id", -1)]),  # a seller's listings
        Index([("path", 1), ("lastReportedAt", -1), ("_id", -1)]),  # reported, for admins
    ],
    "orders": [
        Index([("buyerId", 1), ("idempotencyKey", 1)], unique=True),  # retries never duplicate
        Index([("buyerId", 1), ("_id", -1)]),  # my orders as buyer
        Index([("buyerId", 1), ("status", 1), ("_id", -1)]),  # ... by status; open-order cap
        Index([("sellerId", 1), ("_id", -1)]),  # my orders as seller
        Index([("sellerId", 1), ("status", 1), ("_id", -1)]),
        Index([("listingId", 1), ("status", 1)]),  # orders of a listing
        Index([("path", 1), ("status", 1)]),  # figures of a region subtree (rules/stats)
    ],
    # A placeOrder at work holds its key here; a crashed one's claim is replaced after 30 s.
    "idempotency_claims": [Index([("createdAt", 1)], ttl_seconds=3600)],
    "listing_reports": [
        Index([("listingId", 1), ("reporterId", 1)], unique=True),  # one report per person
        Index([("listingId", 1), ("_id", -1)]),
    ],
    "sms_outbox": [
        Index([("key", 1)], unique=True, options={"sparse": True}),  # a keyed message once
        Index([("status", 1), ("createdAt", 1)]),
        Index([("createdAt", -1), ("_id", -1)]),
    ],
    "commodities": [
        Index([("order", 1)]),  # commodities, in the order farmers know
        Index([("category", 1), ("order", 1)]),  # commodities of a category
        Index([("searchTokens", 1)]),  # search
    ],
    "markets": [
        Index([("path", 1), ("_id", 1)]),  # markets of a region subtree
    ],
    "prices": [  # one document per commodity:market:month, the days inside
        Index([("commodityId", 1), ("marketId", 1), ("month", 1)]),  # history at one market
        Index([("commodityId", 1), ("month", 1)]),  # history over every market
    ],
    "price_latest": [  # _id is commodity:market
        Index([("commodityId", 1), ("_id", 1)]),  # latest prices of some commodities
        Index([("path", 1), ("_id", 1)]),  # latest prices in a region subtree
    ],
    "price_alerts": [
        Index([("userId", 1), ("pairId", 1), ("direction", 1)], unique=True),  # one per side
        Index([("pairId", 1)]),  # alerts a new quote may trigger
        Index([("userId", 1), ("_id", 1)]),  # my price alerts
    ],
    "articles": [
        Index([("publishedAt", -1), ("_id", -1)]),  # newest articles
        Index([("category", 1), ("publishedAt", -1), ("_id", -1)]),
        Index([("commodityIds", 1), ("publishedAt", -1), ("_id", -1)]),  # about a crop
        Index([("regionIds", 1), ("publishedAt", -1), ("_id", -1)]),  # for a region (or ALL)
        Index([("searchTokens", 1)]),  # search candidates (multikey)
    ],
    "alerts": [
        Index([("regionIds", 1), ("validUntil", -1)]),  # active alerts of a region path
        Index([("validUntil", -1)]),  # every active alert
    ],
    "events": [  # the event feed, read by `_id` (integrations/events.py): a short buffer
        Index([("at", 1)], ttl_seconds=600),
    ],
    "jobs": [  # integrations/jobs.py: due, or claimed until the lease ends
        Index([("notBefore", 1)]),
    ],
    "notifications": [
        Index([("userId", 1), ("createdAt", -1), ("_id", -1)]),  # my notifications, newest first
        Index([("userId", 1), ("readAt", 1)]),  # my unread count
        Index([("key", 1)], unique=True, options={"sparse": True}),  # a keyed notice once
    ],
    # experts: `_id` is the user id; two array fields cannot share one index
    "experts": [
        Index([("specialties", 1), ("_id", 1)]),  # experts of a specialty
        Index([("regionIds", 1), ("_id", 1)]),  # experts serving a region path
    ],
    "consultation_slots": [
        Index([("expertId", 1), ("startsAt", 1), ("_id", 1)]),  # overlaps; an expert's slots
        Index([("expertId", 1), ("status", 1), ("startsAt", 1), ("_id", 1)]),  # ... open ones
        Index([("status", 1), ("startsAt", 1), ("_id", 1)]),  # open slots of every expert
    ],
    "consultations": [
        Index([("farmerId", 1), ("idempotencyKey", 1)], unique=True),  # retries never duplicate
        Index([("farmerId", 1), ("status", 1), ("startsAt", 1)]),  # a farmer's bookings held
        Index([("parties", 1), ("startsAt", 1), ("_id", 1)]),  # my consultations
        Index([("parties", 1), ("status", 1), ("startsAt", 1), ("_id", 1)]),
        Index([("path", 1), ("status", 1)]),  # figures of a region subtree (rules/stats)
    ],
    "call_signals": [  # relayed at once; kept briefly for a subscriber that reconnects
        Index([("at", 1)], ttl_seconds=3600),
        Index([("consultationId", 1), ("at", 1)]),  # a subscriber's signals not yet delivered
    ],
    "consultation_messages": [
        # a retried send (same client id) stores nothing more
        Index([("consultationId", 1), ("senderId", 1), ("clientId", 1)], unique=True),
        Index([("consultationId", 1), ("at", -1), ("_id", -1)]),  # a thread's newest
    ],
    "questions": [
        Index([("status", 1), ("answeredAt", -1), ("_id", -1)]),  # answered, newest first
        Index([("askerId", 1), ("_id", -1)]),  # my questions
        Index([("specialty", 1), ("queueRank", 1), ("_id", 1)]),  # an expert's queue
        Index([("searchTokens", 1), ("status", 1)]),  # search
        Index([("path", 1), ("status", 1)]),  # figures of a region subtree (rules/stats)
    ],
    "video_sessions": [
        Index([("startsAt", 1), ("_id", 1)]),  # lectures by start
    ],
    "video_session_registrations": [
        Index([("sessionId", 1), ("userId", 1)], unique=True),  # once per person
    ],
    "locks": [  # db/locks.py: a lease per name; an expired one goes
        Index([("expiresAt", 1)], ttl_seconds=60),
    ],
    "notices": [  # rules/notices.py; sortKey: pinned first, then newest
        Index([("regionId", 1), ("sortKey", -1), ("_id", -1)]),  # notices for a village's path
        Index([("regionId", 1), ("category", 1), ("sortKey", -1), ("_id", -1)]),
        Index([("path", 1), ("sortKey", -1), ("_id", -1)]),  # every notice inside a region
        Index([("sortKey", -1), ("_id", -1)]),  # every notice
    ],
    "notice_reads": [  # one receipt per reader and notice
        Index([("noticeId", 1), ("userId", 1)], unique=True),
        Index([("userId", 1), ("noticeId", 1)]),  # what I have read
        Index([("noticeId", 1), ("path", 1)]),  # per-village counts of a notice
        Index([("path", 1)]),  # figures of a region subtree (rules/stats)
    ],
    "feedback": [  # rules/feedback.py
        Index([("number", 1)], unique=True),  # a ticket by its number
        Index([("path", 1), ("status", 1), ("deadline", 1), ("_id", 1)]),  # the queue
        Index([("path", 1), ("status", 1), ("_id", -1)]),  # tickets of a region by state
        Index([("authorId", 1), ("_id", -1)]),  # my tickets
        Index([("regionId", 1), ("searchTokens", 1)]),  # similar tickets of a village
    ],
    "audit_log": [  # rules/audit.py: newest first within a region subtree
        Index([("path", 1), ("_id", -1)]),
        Index([("path", 1), ("action", 1), ("_id", -1)]),
        Index([("path", 1), ("outcome", 1), ("_id", -1)]),
    ],
}


# Building an index over a large collection takes longer than a request may wait.
BUILD_TIMEOUT_SECONDS = 600


async def ensure_indexes(db: Database) -> None:
    with pymongo.timeout(BUILD_TIMEOUT_SECONDS):
        for collection, indexes in INDEXES.items():
            await db[collection].create_indexes([index.model() for index in indexes])
