"""Price alerts: "tell me when 玉米 at 寿光物流园 goes above 2.80 元/公斤".

An alert is ARMED until the latest quote of its pair meets the condition; the
first report that gets there flips it to MET with a conditional update, and only
the caller whose update matched sends the SMS and writes the in-app
notification. So a crossing is announced once, however many reports, imports or
concurrent requests see it. A quote back on the other side re-arms the alert for
the next crossing.
"""

from datetime import datetime
from typing import Any

from pymongo import ReturnDocument

from sannong.auth import Viewer
from sannong.clock import now
from sannong.db import Database
from sannong.integrations.sms import SmsProvider
from sannong.money import yuan_text

ARMED = "ARMED"
MET = "MET"
ABOVE = "ABOVE"
BELOW = "BELOW"
MAX_ALERTS_PER_USER = 20


def condition_met(direction: str, threshold_fen: int, price_fen: int) -> bool:
    """Reaching the price counts: a farmer waiting for 3.00 wants to hear about 3.00."""
    return price_fen >= threshold_fen if direction == ABOVE else price_fen <= threshold_fen


def initial_state(direction: str, threshold_fen: int, latest: dict[str, Any] | None) -> str:
    """Already met when set: the farmer sees today's price on the screen, so wait for a crossing."""
    if latest is not None and condition_met(direction, threshold_fen, latest["avgFen"]):
        return MET
    return ARMED


def alert_text(alert: dict[str, Any], quote: dict[str, Any]) -> str:
    moved = "涨到" if alert["direction"] == ABOVE else "跌到"
    side = "高于" if alert["direction"] == ABOVE else "低于"
    return (
        f"【三农】{alert['commodityName']}在{alert['marketName']}{quote['date']}的均价"
        f"{moved} {yuan_text(quote['avgFen'], quote['unit'])}，"
        f"已{side}您设置的 {yuan_text(alert['thresholdFen'], quote['unit'])}。"
    )


async def check_price_alerts(db: Database, pair_ids: list[str], *, sms: SmsProvider) -> int:
    """Announces the crossings caused by new latest quotes of these pairs; returns how many."""
    alerts = await db.price_alerts.find({"pairId": {"$in": pair_ids}}).to_list()
    if not alerts:
        return 0
    latest = {
        doc["_id"]: doc
        for doc in await db.price_latest.find(
            {"_id": {"$in": list({a["pairId"] for a in alerts})}}
        ).to_list()
    }
    at = now()
    crossed: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for alert in alerts:
        quote = latest.get(alert["pairId"])
        if quote is None:
            continue
        met = condition_met(alert["direction"], alert["thresholdFen"], quote["avgFen"])
        if met and alert["state"] == ARMED:
            claimed = await db.price_alerts.find_one_and_update(
                {"_id": alert["_id"], "state": ARMED},
                {
                    "$set": {
                        "state": MET,
                        "lastTriggeredAt": at,
                        "lastTriggeredFen": quote["avgFen"],
                        "lastTriggeredDate": quote["date"],
                    },
                    "$inc": {"triggerCount": 1},
                },
                return_document=ReturnDocument.AFTER,
            )
            if claimed is not None:
                crossed.append((claimed, quote))
        elif not met and alert["state"] == MET:
            await db.price_alerts.update_one(
                {"_id": alert["_id"], "state": MET}, {"$set": {"state": ARMED}}
            )
    if crossed:
        await _announce(db, crossed, sms, at)
    return len(crossed)


async def _announce(
    db: Database,
    crossed: list[tuple[dict[str, Any], dict[str, Any]]],
    sms: SmsProvider,
    now: datetime,
) -> None:
    phones = {
        u["_id"]: u["phone"]
        for u in await db.users.find(
            {"_id": {"$in": list({a["userId"] for a, _ in crossed})}}, {"phone": 1}
        ).to_list()
    }
    # The in-app notification first: it survives an SMS gateway that is down.
    await db.notifications.insert_many(
        [
            {
                "userId": alert["userId"],
                "kind": "PRICE_ALERT",
                "title": f"{alert['commodityName']}价格提醒",
                "body": alert_text(alert, quote),
                "refId": alert["_id"],
                "createdAt": now,
                "readAt": None,
            }
            for alert, quote in crossed
        ]
    )
    for alert, quote in crossed:
        phone = phones.get(alert["userId"])
        if phone:
            await sms.send(phone, alert_text(alert, quote), purpose="price_alert")


def price_alert_visible_to(viewer: Viewer | None, doc: dict[str, Any]) -> bool:
    """A price alert is private to its owner."""
    return viewer is not None and viewer.id == doc["userId"]


async def my_price_alerts(db: Database, viewer: Viewer) -> list[dict[str, Any]]:
    """The viewer's price alerts, oldest first (there are at most MAX_ALERTS_PER_USER)."""
    return await db.price_alerts.find(  # index price_alerts(userId, _id)
        {"userId": viewer.id}, sort=[("_id", 1)], limit=MAX_ALERTS_PER_USER
    ).to_list()
