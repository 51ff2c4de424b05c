"""Who may publish, edit, withdraw and count a notice of 孙家集街道, and answer a ticket of
its villages: one row per operation, one column per caller; every refusal of an admin
action is in the audit log."""

from collections.abc import Awaitable, Callable
from typing import Any

from sannong.auth import Role
from tests.factories import LUOCHENG, PROVINCE, SUNJIAJI, Api, Person
from tests.notices import (
    PUBLISH,
    REPLY,
    STATS,
    UPDATE,
    WITHDRAW,
    admin,
    notice_input,
    publish,
    submit,
)

OK, UNAUTH, FORBID = "ok", "UNAUTHENTICATED", "FORBIDDEN"
PEOPLE = ("anonymous", "farmer", "expert", "admin_a", "admin_b", "platform")

TABLE: dict[str, tuple[str, ...]] = {
    #                anonymous farmer  expert  admin_a admin_b platform
    "publishNotice": (UNAUTH, FORBID, FORBID, OK, FORBID, OK),
    "updateNotice": (UNAUTH, FORBID, FORBID, OK, FORBID, OK),
    "withdrawNotice": (UNAUTH, FORBID, FORBID, OK, FORBID, OK),
    "noticeStats": (UNAUTH, FORBID, FORBID, OK, FORBID, OK),
    "replyToFeedback": (UNAUTH, FORBID, FORBID, OK, FORBID, OK),
}


def outcome(result: dict[str, Any], field: str) -> str:
    if result.get("errors"):
        return str(result["errors"][0]["extensions"]["code"])
    errors = result["data"][field].get("userErrors", [])
    return str(errors[0]["code"]) if errors else OK


async def test_each_operation_is_allowed_exactly_to_the_people_in_the_table(api: Api) -> None:
    people: dict[str, Person | None] = {
        "anonymous": None,
        "farmer": await api.person(village="孙家集村"),
        "expert": await api.person(Role.EXPERT, village="孙家集村"),
        "admin_a": await admin(api),
        "admin_b": await admin(api, scope=LUOCHENG, village="东斟灌村"),
        "platform": await api.person(Role.PLATFORM_ADMIN, scope=PROVINCE),
    }
    author = people["admin_a"]
    assert author is not None

    async def notice() -> str:
        return str((await publish(api, author, title="待操作的通知"))["id"])

    villager = people["farmer"]
    assert villager is not None

    async def ticket() -> str:
        return str((await submit(api, villager))["id"])

    cases: dict[str, tuple[str, Callable[[], Awaitable[dict[str, Any]]]]] = {
        "publishNotice": (PUBLISH, lambda: _value({"i": notice_input()})),
        "updateNotice": (UPDATE, lambda: _ids(notice(), title="改过的标题")),
        "withdrawNotice": (WITHDRAW, lambda: _ids(notice(), reason="发错了")),
        "noticeStats": (STATS, lambda: _stats(notice())),
        "replyToFeedback": (REPLY, lambda: _reply(ticket())),
    }
    seen = {
        field: tuple(
            [outcome(await api.gql(query, await variables(), as_=people[p]), field) for p in PEOPLE]
        )
        for field, (query, variables) in cases.items()
    }
    assert seen == TABLE


async def test_refused_admin_actions_are_in_the_audit_log_of_the_region_they_aimed_at(
    api: Api,
) -> None:
    admin_a = await admin(api)
    admin_b = await admin(api, scope=LUOCHENG, village="东斟灌村")
    farmer = await api.person(village="孙家集村")
    notice = await publish(api, admin_a, title="孙家集的通知")
    await api.gql(PUBLISH, {"i": notice_input(region=SUNJIAJI)}, as_=admin_b)
    await api.gql(PUBLISH, {"i": notice_input()}, as_=farmer)
    await api.gql(UPDATE, {"i": {"noticeId": notice["id"], "title": "改"}}, as_=admin_b)
    await api.gql(WITHDRAW, {"i": {"noticeId": notice["id"], "reason": "撤"}}, as_=admin_b)
    entries = [
        (e["action"], e["outcome"], e["actorRole"], e["actor"]["id"], e["code"])
        async for e in _log(api)
    ]
    assert entries == [
        ("WITHDRAW_NOTICE", "REFUSED", "TOWNSHIP_ADMIN", admin_b.key, "FORBIDDEN"),
        ("UPDATE_NOTICE", "REFUSED", "TOWNSHIP_ADMIN", admin_b.key, "FORBIDDEN"),
        ("PUBLISH_NOTICE", "REFUSED", "FARMER", farmer.key, "FORBIDDEN"),
        ("PUBLISH_NOTICE", "REFUSED", "TOWNSHIP_ADMIN", admin_b.key, "FORBIDDEN"),
        ("PUBLISH_NOTICE", "DONE", "TOWNSHIP_ADMIN", admin_a.key, None),
    ]
    assert await api.db.notices.count_documents({}) == 1
    assert (await api.db.notices.find_one({}))["title"] == "孙家集的通知"


async def _log(api: Api) -> Any:
    docs = await api.db.audit_log.find({"path": SUNJIAJI}, sort=[("_id", -1)]).to_list()
    users = {u["_id"]: u for u in await api.db.users.find({}).to_list()}
    for doc in docs:
        yield {
            "action": doc["action"],
            "outcome": doc["outcome"],
            "actorRole": doc["actorRole"],
            "actor": {"id": str(users[doc["actorId"]]["_id"])},
            "code": doc["code"],
        }


async def _value(value: dict[str, Any]) -> dict[str, Any]:
    return value


async def _ids(notice: Awaitable[str], **more: Any) -> dict[str, Any]:
    return {"i": {"noticeId": await notice, **more}}


async def _reply(ticket: Awaitable[str]) -> dict[str, Any]:
    return {"i": {"feedbackId": await ticket, "status": "IN_PROGRESS", "text": "已受理"}}


async def _stats(notice: Awaitable[str]) -> dict[str, Any]:
    return {"id": await notice}
