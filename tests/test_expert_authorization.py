"""Who may call each experts' mutation: one row per mutation, one column per person."""

import itertools
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sannong.auth import Role
from sannong.clock import now
from tests.experts import (
    ANSWER,
    ASK,
    BOOK,
    CANCEL,
    CANCEL_SLOT,
    COMPLETE,
    HELPFUL,
    NO_SHOW,
    PROFILE,
    PUBLISH,
    RATE,
    REGISTER,
    REPLAY,
    SCHEDULE,
    SEND_MESSAGE,
    SIGNAL,
    booked,
    expert,
    key_of,
    later,
    move_in_time,
    new_key,
    slot,
)
from tests.factories import SUNJIAJI, Api, Person

OK, UNAUTH, FORBID = "ok", "UNAUTHENTICATED", "FORBIDDEN"
PEOPLE = ("anonymous", "farmer", "expert", "other_expert", "stranger", "admin")

TABLE: dict[str, tuple[str, ...]] = {
    #                        anonymous farmer  expert other_expert stranger admin
    "updateExpertProfile": (UNAUTH, FORBID, OK, OK, FORBID, FORBID),
    "publishSlots": (UNAUTH, FORBID, OK, OK, FORBID, FORBID),
    "cancelSlot": (UNAUTH, FORBID, OK, FORBID, FORBID, FORBID),
    "bookConsultation": (UNAUTH, OK, "OWN_SLOT", OK, OK, OK),
    "cancelConsultation": (UNAUTH, OK, OK, FORBID, FORBID, FORBID),
    "completeConsultation": (UNAUTH, FORBID, OK, FORBID, FORBID, FORBID),
    "markNoShow": (UNAUTH, FORBID, OK, FORBID, FORBID, FORBID),
    "rateConsultation": (UNAUTH, OK, FORBID, FORBID, FORBID, FORBID),
    "sendCallSignal": (UNAUTH, OK, OK, FORBID, FORBID, FORBID),
    "sendConsultationMessage": (UNAUTH, OK, OK, FORBID, FORBID, FORBID),
    "askQuestion": (UNAUTH, OK, OK, OK, OK, OK),
    "answerQuestion": (UNAUTH, FORBID, OK, OK, FORBID, FORBID),
    "markAnswerHelpful": (UNAUTH, OK, FORBID, FORBID, FORBID, FORBID),
    "scheduleVideoSession": (UNAUTH, FORBID, OK, OK, FORBID, FORBID),
    "registerForVideoSession": (UNAUTH, OK, OK, OK, OK, OK),
    "setVideoSessionReplay": (UNAUTH, FORBID, OK, FORBID, FORBID, FORBID),
}


def outcome(result: dict[str, Any], field: str) -> str:
    if result.get("errors"):
        return str(result["errors"][0]["extensions"]["code"])
    errors = result["data"][field]["userErrors"]
    return str(errors[0]["code"]) if errors else OK


async def test_each_mutation_is_allowed_exactly_to_the_people_in_the_table(api: Api) -> None:
    settings = api.http._transport.app.state.services.settings  # type: ignore[attr-defined]
    settings.max_upcoming_consultations = 100  # the farmer books for every row
    li, farmer = await expert(api), await api.person()
    people: dict[str, Person | None] = {
        "anonymous": None,
        "farmer": farmer,
        "expert": li,
        "other_expert": await expert(api),
        "stranger": await api.person(),
        "admin": await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI),
    }
    hours = itertools.count(30, 2)

    def slots_input() -> dict[str, Any]:
        return {"slots": [{"startsAt": later(hours=next(hours)), "durationMinutes": 30}]}

    async def free_slot() -> str:
        return str((await slot(api, li, hours=next(hours)))["id"])

    async def consultation(starts_in: timedelta | None = None, done: bool = False) -> str:
        cid = str((await booked(api, farmer, await free_slot()))["id"])
        if starts_in is not None:
            await move_in_time(api, cid, starts_in)
        if done:
            await api.gql(COMPLETE, {"i": {"consultationId": cid, "advice": "多通风"}}, as_=li)
        return cid

    async def question(answered: bool = False) -> dict[str, Any]:
        fields = {"specialty": "PLANT_PROTECTION", "crop": "黄瓜", "text": "叶子发黄怎么办"}
        asked = (await api.gql(ASK, {"i": fields}, as_=farmer))["data"]["askQuestion"]
        qid = asked["question"]["id"]
        if not answered:
            return {"questionId": qid}
        result = await api.gql(ANSWER, {"i": {"questionId": qid, "text": "缺氮"}}, as_=li)
        answer_id = result["data"]["answerQuestion"]["question"]["answers"][0]["id"]
        return {"questionId": qid, "answerId": answer_id}

    async def lecture(started: bool = False) -> str:
        fields = {
            "title": "讲座",
            "startsAt": later(hours=next(hours)),
            "durationMinutes": 60,
            "streamUrl": "https://live.example.cn/1",
            "capacity": 100,
        }
        result = await api.gql(SCHEDULE, {"i": fields}, as_=li)
        session_id = str(result["data"]["scheduleVideoSession"]["videoSession"]["id"])
        if started:
            await api.db.video_sessions.update_one(
                {"_id": key_of(session_id)}, {"$set": {"startsAt": now() - timedelta(hours=1)}}
            )
        return session_id

    soon, begun = timedelta(minutes=5), timedelta(minutes=-5)
    cases: dict[str, tuple[str, Callable[[], Awaitable[dict[str, Any]]]]] = {
        "updateExpertProfile": (PROFILE, lambda: _value({"bio": "简介"})),
        "publishSlots": (
            PUBLISH,
            lambda: _value(
                {"slots": [{"startsAt": later(hours=next(hours)), "durationMinutes": 30}]}
            ),
        ),
        "cancelSlot": (CANCEL_SLOT, lambda: _ids("slotId", free_slot())),
        "bookConsultation": (
            BOOK,
            lambda: _ids("slotId", free_slot(), topic="问题", idempotencyKey=new_key()),
        ),
        "cancelConsultation": (
            CANCEL,
            lambda: _ids("consultationId", consultation(), reason="有事"),
        ),
        "completeConsultation": (
            COMPLETE,
            lambda: _ids("consultationId", consultation(begun), advice="多通风"),
        ),
        "markNoShow": (NO_SHOW, lambda: _ids("consultationId", consultation(begun))),
        "rateConsultation": (
            RATE,
            lambda: _ids("consultationId", consultation(begun, done=True), stars=5),
        ),
        "sendCallSignal": (
            SIGNAL,
            lambda: _ids("consultationId", consultation(soon), kind="OFFER", payload="v=0"),
        ),
        "sendConsultationMessage": (
            SEND_MESSAGE,
            lambda: _ids(
                "consultationId", consultation(), clientId=new_key(), text="来不了，能改到明天吗"
            ),
        ),
        "askQuestion": (
            ASK,
            lambda: _value({"specialty": "LIVESTOCK", "crop": "生猪", "text": "猪咳嗽怎么办"}),
        ),
        "answerQuestion": (ANSWER, lambda: _merge(question(), text="可能是缺氮")),
        "markAnswerHelpful": (HELPFUL, lambda: _merge(question(answered=True))),
        "scheduleVideoSession": (
            SCHEDULE,
            lambda: _value(
                {
                    "title": "讲座",
                    "startsAt": later(hours=next(hours)),
                    "durationMinutes": 60,
                    "streamUrl": "https://live.example.cn/2",
                    "capacity": 10,
                }
            ),
        ),
        "registerForVideoSession": (REGISTER, lambda: _ids("sessionId", lecture())),
        "setVideoSessionReplay": (
            REPLAY,
            lambda: _ids("sessionId", lecture(started=True), replayUrl="https://vod.example.cn/1"),
        ),
    }
    seen: dict[str, tuple[str, ...]] = {}
    for field, (mutation, variables) in cases.items():
        seen[field] = tuple(
            [
                outcome(await api.gql(mutation, {"i": await variables()}, as_=people[p]), field)
                for p in PEOPLE
            ]
        )
    assert seen == TABLE


async def _value(value: dict[str, Any]) -> dict[str, Any]:
    return value


async def _ids(name: str, target: Awaitable[str], **more: Any) -> dict[str, Any]:
    return {name: await target, **more}


async def _merge(target: Awaitable[dict[str, Any]], **more: Any) -> dict[str, Any]:
    return {**await target, **more}
