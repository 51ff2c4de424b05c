"""Feedback tickets: a number, five working days, replies that move the state, a rating
after resolution, similar tickets suggested, and who sees what."""

import asyncio
import json
import re
import time
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId

from sannong.clock import CHINA, now
from sannong.db.client import count_commands
from tests.factories import LUOCHENG, SUNJIAJI, Api, gid, region_id, village_id
from tests.market import image_bytes
from tests.notices import FEEDBACK, PREFLIGHT, RATE, SUBMIT, admin, publish, reply, submit


async def test_a_ticket_gets_a_number_and_a_deadline_of_five_working_days(api: Api) -> None:
    farmer = await api.person(village="孙家集村")
    first = await submit(api, farmer)
    second = await submit(api, farmer, kind="INQUIRY", text="今年的玉米补贴什么时候发？")
    year = datetime.now(CHINA).year
    assert re.fullmatch(rf"{year}-003-\d{{6}}", first["number"])
    assert int(second["number"][-6:]) == int(first["number"][-6:]) + 1
    assert (first["status"], first["overdue"], first["mine"]) == ("ACCEPTED", False, True)
    deadline = datetime.fromisoformat(first["deadline"]).astimezone(CHINA)
    assert (deadline.hour, deadline.minute) == (23, 59)
    assert timedelta(days=5) <= deadline - now() <= timedelta(days=16)  # holidays included


async def test_replies_move_the_ticket_on_and_the_author_rates_it(api: Api) -> None:
    township = await admin(api)
    farmer = await api.person(village="孙家集村")
    ticket = await submit(api, farmer)
    early = await api.gql(
        RATE, {"i": {"feedbackId": ticket["id"], "outcome": "SOLVED", "stars": 5}}, farmer
    )
    assert early["data"]["rateFeedback"]["userErrors"] == [
        {"field": "feedbackId", "message": "工单办结后才能评价", "code": "NOT_CLOSED"}
    ]
    working = await reply(api, township, ticket["id"], "IN_PROGRESS", "已联系水利站")
    assert working["data"]["replyToFeedback"]["feedback"]["status"] == "IN_PROGRESS"
    update = await reply(api, township, ticket["id"], "IN_PROGRESS", "材料已到")
    assert update["data"]["replyToFeedback"]["userErrors"] == []
    done = await reply(api, township, ticket["id"], "RESOLVED", "水渠已修复")
    resolved = done["data"]["replyToFeedback"]["feedback"]
    assert [r["status"] for r in resolved["replies"]] == ["IN_PROGRESS", "IN_PROGRESS", "RESOLVED"]
    late = await reply(api, township, ticket["id"], "IN_PROGRESS", "再看看")
    assert late["data"]["replyToFeedback"]["userErrors"][0]["code"] == "INVALID_TRANSITION"
    neighbour = await api.person(village="孙家集村")
    not_mine = await api.gql(
        RATE, {"i": {"feedbackId": ticket["id"], "outcome": "SOLVED", "stars": 5}}, neighbour
    )
    assert not_mine["data"]["rateFeedback"]["userErrors"][0]["code"] == "NOT_AUTHOR"
    bad_stars = await api.gql(
        RATE, {"i": {"feedbackId": ticket["id"], "outcome": "SOLVED", "stars": 6}}, farmer
    )
    assert bad_stars["data"]["rateFeedback"]["userErrors"][0]["field"] == "stars"
    rated = await api.gql(
        RATE,
        {
            "i": {
                "feedbackId": ticket["id"],
                "outcome": "PARTLY_SOLVED",
                "stars": 3,
                "comment": "修了一半",
            }
        },
        farmer,
    )
    assert rated["data"]["rateFeedback"]["feedback"]["rating"] == {
        "outcome": "PARTLY_SOLVED",
        "stars": 3,
        "comment": "修了一半",
    }
    twice = await api.gql(
        RATE, {"i": {"feedbackId": ticket["id"], "outcome": "SOLVED", "stars": 5}}, farmer
    )
    assert twice["data"]["rateFeedback"]["userErrors"][0]["code"] == "ALREADY_RATED"


async def test_replying_to_another_townships_ticket_is_forbidden_and_changes_nothing(
    api: Api,
) -> None:
    other = await admin(api, scope=LUOCHENG, village="东斟灌村")
    farmer = await api.person(village="孙家集村")
    ticket = await submit(api, farmer)
    result = await reply(api, other, ticket["id"], "REJECTED", "不归我们管")
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    stored = await api.db.feedback.find_one({})
    assert (stored["status"], stored["replies"]) == ("ACCEPTED", [])
    by_farmer = await reply(api, farmer, ticket["id"], "RESOLVED", "我自己修好了")
    assert by_farmer["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_admin_queue_is_its_subtree_with_overdue_tickets_first(api: Api) -> None:
    township = await admin(api)
    farmer = await api.person(village="孙家集村")
    fresh = await submit(api, farmer, text="路灯坏了好几盏")
    late = await submit(api, farmer, text="垃圾好几天没人清运")
    elsewhere = await api.person(village="东斟灌村")
    await submit(api, elsewhere, text="洛城街道的问题")
    await api.db.feedback.update_one(
        {"number": late["number"]}, {"$set": {"deadline": now() - timedelta(days=1)}}
    )
    queue = await api.gql(FEEDBACK, {}, as_=township)
    nodes = [e["node"] for e in queue["data"]["feedback"]["edges"]]
    assert [(n["id"], n["overdue"]) for n in nodes] == [(late["id"], True), (fresh["id"], False)]
    assert nodes[0]["author"]["id"] == farmer.id  # admins always know who wrote
    overdue = await api.gql(FEEDBACK, {"f": {"overdueOnly": True}}, as_=township)
    assert [e["node"]["id"] for e in overdue["data"]["feedback"]["edges"]] == [late["id"]]


async def test_the_public_sees_resolved_public_tickets_without_their_authors(api: Api) -> None:
    township = await admin(api)
    farmer = await api.person(village="孙家集村")
    public = await submit(api, farmer, text="村口的桥栏杆断了", anonymous=True)
    private = await submit(api, farmer, text="我家低保的事情", isPublic=False)
    open_one = await submit(api, farmer, text="还没处理的事")
    for ticket in (public, private):
        await reply(api, township, ticket["id"], "RESOLVED", "已处理")
    stranger = await api.person(village="东斟灌村")
    for viewer in (stranger, None):
        seen = await api.gql(FEEDBACK, {"f": {"regionId": region_id(SUNJIAJI)}}, as_=viewer)
        nodes = [e["node"] for e in seen["data"]["feedback"]["edges"]]
        assert [(n["id"], n["author"], n["anonymous"]) for n in nodes] == [
            (public["id"], None, True)
        ]
    hidden = await api.gql(FEEDBACK, {"f": {"status": "ACCEPTED"}}, as_=stranger)
    assert hidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    node = await api.gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": open_one["id"]}, as_=stranger
    )
    assert node["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    mine = await api.gql(FEEDBACK, {"f": {"mine": True}}, as_=farmer)
    assert len(mine["data"]["feedback"]["edges"]) == 3
    assert mine["data"]["feedback"]["edges"][0]["node"]["author"]["id"] == farmer.id


async def test_similar_open_tickets_of_the_village_are_suggested_before_submitting(
    api: Api,
) -> None:
    farmer = await api.person(village="孙家集村")
    channel = await submit(api, farmer, text="村东头灌溉水渠塌了，浇不了地")
    await submit(api, farmer, text="路灯晚上不亮")
    far = await api.person(village="东斟灌村")
    await submit(api, far, text="灌溉水渠漏水")  # another village
    query = """query($t: String!, $r: ID) { similarFeedback(text: $t, regionId: $r) {
        id number text author { id } } }"""
    neighbour = await api.person(village="孙家集村")
    result = await api.gql(query, {"t": "水渠塌了怎么办"}, as_=neighbour)
    suggested = result["data"]["similarFeedback"]
    assert [(s["id"], s["author"]) for s in suggested] == [(channel["id"], None)]
    none = await api.gql(query, {"t": "！！", "r": village_id("孙家集村")}, as_=far)
    assert none["data"]["similarFeedback"] == []


async def start_of_a_minute_window() -> None:
    """Waits while the current minute has under 20 s left, so a burst stays in one window."""
    if (left := 60 - time.time() % 60) < 20:
        await asyncio.sleep(left + 0.1)


SIMILAR = "query($t: String!) { similarFeedback(text: $t) { id } }"


async def test_similar_tickets_need_a_sign_in_and_a_short_text(api: Api) -> None:
    """Ranking tickets costs the database: nobody anonymous asks it, nor with a whole
    essay (the start of a ticket is what matches)."""
    anonymous = await api.gql(
        "query($t: String!, $r: ID) { similarFeedback(text: $t, regionId: $r) { id } }",
        {"t": "水渠塌了", "r": village_id("孙家集村")},
    )
    assert [e["extensions"]["code"] for e in anonymous["errors"]] == ["UNAUTHENTICATED"]
    farmer = await api.person(village="孙家集村")
    essay = await api.gql(SIMILAR, {"t": "水渠" * 2500}, as_=farmer)
    assert [e["extensions"]["code"] for e in essay["errors"]] == ["BAD_USER_INPUT"]
    assert "data" not in essay
    fits = await api.gql(SIMILAR, {"t": "水渠" * 250}, as_=farmer)
    assert fits["data"]["similarFeedback"] == []


async def test_similar_tickets_are_rate_limited_per_person(api: Api) -> None:
    farmer = await api.person(village="孙家集村")
    await start_of_a_minute_window()  # the counter's window is the clock's minute
    answers = [await api.gql(SIMILAR, {"t": f"水渠塌了{n}"}, as_=farmer) for n in range(35)]
    refused = [a for a in answers if "errors" in a]
    assert len(answers) - len(refused) == 30  # settings.similar_feedback_per_minute
    assert {e["extensions"]["code"] for a in refused for e in a["errors"]} == {"RATE_LIMITED"}
    assert all("频繁" in a["errors"][0]["message"] for a in refused)
    neighbour = await api.person(village="孙家集村")  # another person is not held back
    assert (await api.gql(SIMILAR, {"t": "水渠塌了"}, as_=neighbour))["data"] == {
        "similarFeedback": []
    }


async def test_bad_feedback_input_changes_nothing(api: Api) -> None:
    farmer = await api.person(village="孙家集村")
    township = await admin(api)
    notice = await publish(api, township)
    result = await api.gql(
        SUBMIT,
        {
            "i": {
                "kind": "SUGGESTION",
                "text": "短",
                "regionId": region_id(SUNJIAJI),
                "noticeId": gid("Notice", "0" * 24),
            }
        },
        farmer,
    )
    errors = result["data"]["submitFeedback"]["userErrors"]
    assert {(e["field"], e["code"]) for e in errors} == {
        ("text", "INVALID"),
        ("regionId", "UNKNOWN_REGION"),
        ("noticeId", "NOT_FOUND"),
    }
    about = await submit(api, farmer, noticeId=notice["id"], text="补贴名单里没有我家")
    assert about["status"] == "ACCEPTED"
    assert await api.db.feedback.count_documents({}) == 1
    nobody = await api.gql(SUBMIT, {"i": {"kind": "INQUIRY", "text": "请问怎么办理"}})
    assert nobody["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_queue_page_costs_the_same_commands_whatever_its_size(api: Api) -> None:
    township = await admin(api)
    farmer = await api.person(village="孙家集村")
    ticket = await submit(api, farmer)
    doc = await api.db.feedback.find_one({})
    copies = [
        {**doc, "_id": ObjectId(), "number": f"{doc['number']}-{n}", "noticeId": None}
        for n in range(110)
    ]
    for start in range(0, len(copies), 50):
        await api.db.feedback.insert_many(copies[start : start + 50])
    query = """query($n: Int) { feedback(first: $n) { edges { node { number overdue
        author { name } region { name } notice { id } replies { text } } } } }"""
    await api.gql(query, {"n": 10}, as_=township)  # the process keeps people and regions
    tallies = []
    for size in (10, 100, 10):
        with count_commands() as tally:
            result = await api.gql(query, {"n": size}, as_=township)
        assert len(result["data"]["feedback"]["edges"]) == size
        tallies.append(tally.names)
    # the session and the page; the viewer, the authors and the regions are the process's
    assert tallies[0] == tallies[1] == tallies[2] == ["find", "find"]
    assert ticket["number"]


async def test_up_to_three_photos_go_with_a_ticket(api: Api) -> None:
    farmer = await api.person(village="孙家集村")

    async def send(count: int) -> dict[str, Any]:
        variables = {
            "i": {"kind": "COMPLAINT", "text": "水渠塌了，见照片", "photos": [None] * count}
        }
        query = """mutation($i: SubmitFeedbackInput!) { submitFeedback(input: $i) {
            feedback { number } userErrors { field code } } }"""
        response = await api.http.post(
            "/graphql",
            data={
                "operations": json.dumps({"query": query, "variables": variables}),
                "map": json.dumps({str(n): [f"variables.i.photos.{n}"] for n in range(count)}),
            },
            files={str(n): (f"{n}.png", image_bytes("PNG"), "image/png") for n in range(count)},
            headers=farmer.headers | PREFLIGHT,
        )
        payload: dict[str, Any] = response.json()["data"]["submitFeedback"]
        return payload

    assert (await send(4))["userErrors"] == [{"field": "photos", "code": "TOO_MANY_PHOTOS"}]
    assert (await send(3))["userErrors"] == []
    stored = await api.db.feedback.find_one({})
    assert len(stored["photos"]) == 3


INBOX = """{ me { unreadNotificationCount }
  myNotifications(first: 10) { edges { node { kind title body read } } } }"""


async def test_each_reply_tells_the_author_in_the_inbox_and_no_one_else(api: Api) -> None:
    township = await admin(api)
    farmer = await api.person(village="孙家集村")
    neighbour = await api.person(village="孙家集村")
    ticket = await submit(api, farmer)
    assert (await api.gql(INBOX, as_=farmer))["data"]["me"]["unreadNotificationCount"] == 0

    await reply(api, township, ticket["id"], "IN_PROGRESS", "已联系水利站，明天来看")
    long_answer = "水渠已修复。" + "说明" * 100
    await reply(api, township, ticket["id"], "RESOLVED", long_answer)
    inbox = (await api.gql(INBOX, as_=farmer))["data"]
    assert inbox["me"]["unreadNotificationCount"] == 2
    assert [e["node"] for e in inbox["myNotifications"]["edges"]] == [
        {
            "kind": "FEEDBACK_REPLIED",
            "title": "您的反馈已办结",
            "body": f"工单 {ticket['number']}：{long_answer}"[:120],
            "read": False,
        },
        {
            "kind": "FEEDBACK_REPLIED",
            "title": "您的反馈正在办理",
            "body": f"工单 {ticket['number']}：已联系水利站，明天来看",
            "read": False,
        },
    ]
    refused = await reply(api, township, ticket["id"], "IN_PROGRESS", "再看看")
    assert refused["data"]["replyToFeedback"]["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert (await api.gql(INBOX, as_=farmer))["data"]["me"]["unreadNotificationCount"] == 2
    assert (await api.gql(INBOX, as_=neighbour))["data"]["me"]["unreadNotificationCount"] == 0
