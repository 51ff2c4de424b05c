"""The floor for the Home screen: a hand-written Starlette endpoint, no GraphQL.

It answers what the API's Home query answers, with the same database commands the API
sends in its steady state (the session, the notices page, the reader's receipts, the
lectures, the listings, the latest prices) and the same per-process copies of people,
experts, the catalogue, the village's notices in force and warnings, kept in plain
dicts; it encodes with orjson. It runs the way the API runs (uvicorn, uvloop,
httptools, one process), so the two processes' CPU time per request compare.

    python -m bench.floor --uri mongodb://... --database bench --port 8101
"""

import argparse
import base64
import hashlib
from datetime import UTC, datetime
from typing import Any

import orjson
import uvicorn
from pymongo import AsyncMongoClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

type Doc = dict[str, Any]


def gid(kind: str, key: object) -> str:
    return base64.b64encode(f"{kind}:{key}".encode()).decode()


def yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


class Floor:
    def __init__(self, uri: str, database: str) -> None:
        self.db = AsyncMongoClient(uri, tz_aware=True)[database]
        self.kept: dict[tuple[str, Any], Doc | None] = {}
        self.lists: dict[tuple[str, tuple[str, ...]], list[Doc]] = {}

    async def by_id(self, collection: str, ids: list[Any]) -> dict[Any, Doc]:
        missing = [i for i in set(ids) if (collection, i) not in self.kept]
        if missing:
            found = await self.db[collection].find({"_id": {"$in": missing}}).to_list()
            for doc in found:
                self.kept[(collection, doc["_id"])] = doc
        return {i: d for i in ids if (d := self.kept.get((collection, i))) is not None}

    async def listed(self, collection: str, path: tuple[str, ...], query: Doc) -> list[Doc]:
        key = (collection, path)
        if key not in self.lists:
            self.lists[key] = await self.db[collection].find(query).to_list()
        return self.lists[key]

    async def home(self, request: Request) -> Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        village = request.query_params["village"]
        size = int(request.query_params.get("n", "5"))
        now = datetime.now(UTC)
        session = await self.db.sessions.find_one(
            {"tokenHash": hashlib.sha256(token.encode()).hexdigest(), "expiresAt": {"$gt": now}}
        )
        if session is None:
            return Response(b'{"error":"unauthenticated"}', 401, media_type="application/json")
        user = (await self.by_id("users", [session["userId"]]))[session["userId"]]
        region = (await self.by_id("regions", [village]))[village]
        path = tuple(region["path"])
        in_force = {"$or": [{"expiresAt": None}, {"expiresAt": {"$gt": now}}]}
        notices = await self.db.notices.find(
            {"$and": [{"regionId": {"$in": list(path)}}, in_force]},
            {"revisions": 0},
            sort=[("sortKey", -1), ("_id", -1)],
            limit=size + 1,
        ).to_list()
        receipts = await self.db.notice_reads.find(
            {"userId": {"$in": [user["_id"]]}},
            {"userId": 1, "noticeId": 1, "acknowledgedAt": 1},
            sort=[("noticeId", 1)],
        ).to_list()
        read = {r["noticeId"] for r in receipts}
        published = await self.listed(
            "notices",
            path,
            {"$and": [{"regionId": {"$in": list(path)}}, in_force, {"status": "PUBLISHED"}]},
        )
        unread = sum(
            1
            for n in published
            if n["_id"] not in read and (n.get("expiresAt") is None or n["expiresAt"] > now)
        )
        alerts = await self.listed(
            "alerts", path, {"regionIds": {"$in": list(path)}, "validUntil": {"$gt": now}}
        )
        lectures = await self.db.video_sessions.find(
            {"endsAt": {"$gt": now}}, sort=[("startsAt", 1), ("_id", 1)], limit=4
        ).to_list()
        listings = await self.db.listings.find(
            {"status": "ACTIVE", "path": village}, sort=[("_id", -1)], limit=size + 1
        ).to_list()
        followed = user.get("followedCommodityIds", [])
        quotes = await self.db.price_latest.find({"commodityId": {"$in": followed}}).to_list()
        commodities = await self.by_id("commodities", followed)
        experts = await self.by_id("experts", [x["expertId"] for x in lectures[:3]])
        people = await self.by_id(
            "users", [x["expertId"] for x in lectures[:3]] + [x["sellerId"] for x in listings]
        )
        latest: dict[str, Doc] = {}
        for quote in quotes:  # the API shows the market of the reader's region first
            latest.setdefault(quote["commodityId"], quote)
        body = {
            "data": {
                "me": {
                    "name": user["name"],
                    "unreadNoticeCount": unread,
                    "followedCommodities": [
                        {
                            "name": commodities[c]["name"],
                            "latestPrice": None
                            if (q := latest.get(c)) is None
                            else {
                                "price": yuan(q["avgFen"]),
                                "unit": q["unit"],
                                "changePct7d": round(
                                    (q["avgFen"] - q["weekBeforeFen"]) * 100 / q["weekBeforeFen"], 1
                                )
                                if q.get("weekBeforeFen")
                                else None,
                            },
                        }
                        for c in followed
                        if c in commodities
                    ],
                },
                "notices": {
                    "edges": [
                        {
                            "node": {
                                "id": gid("Notice", n["_id"]),
                                "title": n["title"],
                                "category": n["category"],
                                "publishedAt": iso(n["publishedAt"]),
                                "pinned": n["pinned"],
                                "read": n["_id"] in read,
                            }
                        }
                        for n in notices[:size]
                    ]
                },
                "alerts": [
                    {
                        "id": gid("Alert", a["_id"]),
                        "kind": a["kind"],
                        "severity": a["severity"],
                        "title": a["title"],
                        "validUntil": iso(a["validUntil"]),
                    }
                    for a in alerts
                    if a["validFrom"] <= now < a["validUntil"]
                ],
                "videoSessions": {
                    "edges": [
                        {
                            "node": {
                                "title": x["title"],
                                "startsAt": iso(x["startsAt"]),
                                "expert": {
                                    "name": people[x["expertId"]]["name"],
                                    "specialties": experts[x["expertId"]]["specialties"],
                                },
                            }
                        }
                        for x in lectures[:3]
                    ]
                },
                "listings": {
                    "edges": [
                        {
                            "node": {
                                "id": gid("Listing", x["_id"]),
                                "title": x["title"],
                                "price": yuan(x["priceFen"]),
                                "unit": x["unit"],
                                "seller": {"name": people[x["sellerId"]]["name"]},
                            }
                        }
                        for x in listings[:size]
                    ]
                },
            }
        }
        return Response(orjson.dumps(body), media_type="application/json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--uri", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    floor = Floor(args.uri, args.database)
    app = Starlette(routes=[Route("/home", floor.home)])
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
