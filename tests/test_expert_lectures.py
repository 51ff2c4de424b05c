"""Public video lectures: scheduled by experts, capacity kept under concurrent
registrations, listed upcoming first, a replay afterwards."""

import asyncio
from datetime import timedelta
from typing import Any

from sannong.clock import now
from sannong.db.client import count_commands
from tests.experts import REGISTER, REPLAY, SCHEDULE, expert, key_of, later, lecture
from tests.factories import Api, Person, codes


async def schedule(api: Api, person: Person, **overrides: Any) -> dict[str, Any]:
    result = await api.gql(SCHEDULE, {"i": lecture(**overrides)}, as_=person)
    payload: dict[str, Any] = result["data"]["scheduleVideoSession"]
    assert payload["userErrors"] == [], payload
    return payload["videoSession"]


async def test_capacity_holds_under_concurrent_registrations(api: Api) -> None:
    li = await expert(api)
    farmers = [await api.person() for _ in range(20)]
    session = await schedule(api, li, capacity=5)
    answers = await asyncio.gather(
        *(api.gql(REGISTER, {"i": {"sessionId": session["id"]}}, as_=f) for f in farmers)
    )
    payloads = [a["data"]["registerForVideoSession"] for a in answers]
    assert sum(1 for p in payloads if p["videoSession"]) == 5
    assert sorted(e["code"] for p in payloads for e in p["userErrors"]) == ["FULL"] * 15
    doc = await api.db.video_sessions.find_one({"_id": key_of(session["id"])})
    assert doc is not None and doc["registered"] == 5
    assert await api.db.video_session_registrations.count_documents({}) == 5


async def test_registering_twice_counts_once(api: Api) -> None:
    li = await expert(api)
    farmer = await api.person()
    session = await schedule(api, li)
    for _ in range(2):
        result = await api.gql(REGISTER, {"i": {"sessionId": session["id"]}}, as_=farmer)
        assert result["data"]["registerForVideoSession"]["videoSession"] == {
            "id": session["id"],
            "registeredCount": 1,
            "registered": True,
        }


async def test_upcoming_lectures_come_soonest_first_and_ended_ones_get_a_replay(
    api: Api,
) -> None:
    li, other = await expert(api), await expert(api)
    later_one = await schedule(api, li, title="后一个", startsAt=later(hours=50))
    sooner = await schedule(api, li, title="先一个", startsAt=later(hours=20))
    past = await schedule(api, li, title="已结束", startsAt=later(hours=10))
    await api.db.video_sessions.update_one(
        {"_id": key_of(past["id"])},
        {"$set": {"startsAt": now() - timedelta(hours=3), "endsAt": now()}},
    )
    query = (
        """query($u: Boolean) { videoSessions(upcomingOnly: $u) { edges { node { title } } } }"""
    )
    upcoming = await api.gql(query, {"u": True})
    assert [e["node"]["title"] for e in upcoming["data"]["videoSessions"]["edges"]] == [
        "先一个",
        "后一个",
    ]
    every = await api.gql(query, {"u": False})
    assert len(every["data"]["videoSessions"]["edges"]) == 3
    replay = {"i": {"sessionId": past["id"], "replayUrl": "https://vod.example.cn/42"}}
    assert codes(await api.gql(REPLAY, replay, as_=other)) == ["FORBIDDEN"]
    added = await api.gql(REPLAY, replay, as_=li)
    assert added["data"]["setVideoSessionReplay"]["videoSession"]["replayUrl"].endswith("/42")
    early = {"i": {"sessionId": sooner["id"], "replayUrl": "https://vod.example.cn/1"}}
    refused = await api.gql(REPLAY, early, as_=li)
    assert refused["data"]["setVideoSessionReplay"]["userErrors"][0]["code"] == "NOT_AVAILABLE"
    late = await api.gql(REGISTER, {"i": {"sessionId": past["id"]}}, as_=other)
    assert late["data"]["registerForVideoSession"]["userErrors"][0]["code"] == "NOT_AVAILABLE"
    assert later_one["expert"]["name"] == "测试用户"


async def test_bad_lectures_are_refused_and_farmers_cannot_schedule(api: Api) -> None:
    li = await expert(api)
    for overrides, field in (
        ({"startsAt": later(hours=-1)}, "startsAt"),
        ({"durationMinutes": 5}, "durationMinutes"),
        ({"capacity": 0}, "capacity"),
        ({"streamUrl": "javascript:alert(1)"}, "streamUrl"),
        ({"title": ""}, "title"),
    ):
        result = await api.gql(SCHEDULE, {"i": lecture(**overrides)}, as_=li)
        errors = result["data"]["scheduleVideoSession"]["userErrors"]
        assert [e["field"] for e in errors] == [field], overrides
    farmer = await api.person()
    assert codes(await api.gql(SCHEDULE, {"i": lecture()}, as_=farmer)) == ["FORBIDDEN"]
    assert await api.db.video_sessions.count_documents({}) == 0


REGISTRANTS = """{ videoSessions(first: 10) { edges { node { id registrants { id name } } } } }"""


async def test_only_the_lecturer_sees_who_registered_in_one_query_per_page(api: Api) -> None:
    lecturer, other = await expert(api), await expert(api)
    first, second = await schedule(api, lecturer), await schedule(api, lecturer, title="第二讲")
    people = [await api.person() for _ in range(3)]
    for person in people:
        await api.gql(REGISTER, {"i": {"sessionId": first["id"]}}, as_=person)
    await api.gql(REGISTER, {"i": {"sessionId": second["id"]}}, as_=people[2])

    with count_commands() as tally:
        seen = await api.gql(REGISTRANTS, as_=lecturer)
    assert tally.names.count("aggregate") == 1  # both lectures' registrants at once
    shown = {
        edge["node"]["id"]: edge["node"]["registrants"]
        for edge in seen["data"]["videoSessions"]["edges"]
    }
    assert [p["id"] for p in shown[first["id"]]] == [p.id for p in people]  # earliest first
    assert [p["id"] for p in shown[second["id"]]] == [people[2].id]
    for viewer in (other, people[0], None):
        result = await api.gql(REGISTRANTS, as_=viewer)
        assert all(
            e["node"]["registrants"] is None for e in result["data"]["videoSessions"]["edges"]
        )
