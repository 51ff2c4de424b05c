"""Messages between the two parties of a consultation: 来不了？给专家留言."""

import asyncio
import itertools
import time
from datetime import timedelta
from typing import Any

from sannong.auth import Role
from sannong.clock import now
from sannong.rules.consultation_messages import BURST_WINDOW_SECONDS
from tests.experts import CANCEL, booked, codes_of, expert, key_of, move_in_time, slot
from tests.factories import SUNJIAJI, Api, Person

SEND = """mutation($i: SendConsultationMessageInput!) { sendConsultationMessage(input: $i) {
    message { id text sentAt fromMe authorRole author { id name } }
    consultation { id messagesOpen }
    userErrors { field message code } } }"""
THREAD = """query($id: ID!) { node(id: $id) { ... on Consultation {
    messages { id text fromMe authorRole author { id } } } } }"""

REPLY_TEXT = "【三农】专家给您留言：明天上午九点可以，请打开三农应用查看"

_ids = itertools.count(1)


def client_id() -> str:
    return f"message-{next(_ids):06d}"


async def send(
    api: Api, person: Person | None, cid: str, text: str, client: str | None = None
) -> dict[str, Any]:
    result = await api.gql(
        SEND,
        {"i": {"consultationId": cid, "clientId": client or client_id(), "text": text}},
        person,
    )
    assert "errors" not in result, result
    payload: dict[str, Any] = result["data"]["sendConsultationMessage"]
    return payload


async def thread(api: Api, person: Person, cid: str) -> list[dict[str, Any]]:
    result = await api.gql(THREAD, {"id": cid}, person)
    assert "errors" not in result, result
    node = result["data"]["node"]
    return [] if node is None else list(node["messages"])


async def consultation(api: Api) -> tuple[Person, Person, str]:
    li, farmer = await expert(api), await api.person()
    booking = await booked(api, farmer, (await slot(api, li))["id"])
    return farmer, li, str(booking["id"])


async def stored(api: Api, cid: str) -> int:
    return await api.db.consultation_messages.count_documents({"consultationId": key_of(cid)})


async def texts_to(api: Api, person: Person) -> list[str]:
    found = await api.db.sms_outbox.find({"phone": person.phone}).to_list()
    return [doc["text"] for doc in found]


async def test_the_farmer_and_the_expert_write_and_read_the_thread(api: Api) -> None:
    farmer, li, cid = await consultation(api)
    sent = await send(api, farmer, cid, "  来不了，能改到明天吗  ")
    assert sent["userErrors"] == []
    assert sent["message"]["text"] == "来不了，能改到明天吗"  # trimmed
    assert (sent["message"]["fromMe"], sent["message"]["authorRole"]) == (True, "FARMER")
    assert sent["consultation"]["messagesOpen"] is True
    reply = await send(api, li, cid, "<b>可以</b>，明天上午九点")
    assert reply["userErrors"] == []
    seen_by_expert = await thread(api, li, cid)
    assert [(m["text"], m["fromMe"], m["authorRole"]) for m in seen_by_expert] == [
        ("来不了，能改到明天吗", False, "FARMER"),
        ("<b>可以</b>，明天上午九点", True, "EXPERT"),  # stored as typed, shown as text
    ]
    seen_by_farmer = await thread(api, farmer, cid)
    assert [m["fromMe"] for m in seen_by_farmer] == [True, False]
    assert seen_by_farmer[1]["author"]["id"] == li.id


async def test_nobody_but_the_two_parties_writes_or_reads(api: Api) -> None:
    farmer, _, cid = await consultation(api)
    await send(api, farmer, cid, "我会晚到十分钟")
    others = {
        "another farmer": await api.person(),
        "another expert": await expert(api),
        "an admin": await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI),
    }
    for who, person in others.items():
        result = await api.gql(
            SEND, {"i": {"consultationId": cid, "clientId": client_id(), "text": "你好"}}, person
        )
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN", who
        read = await api.gql(THREAD, {"id": cid}, person)
        assert read["errors"][0]["extensions"]["code"] == "NOT_FOUND", who  # not even its being
        assert read["data"]["node"] is None, who
    anonymous = await api.gql(
        SEND, {"i": {"consultationId": cid, "clientId": client_id(), "text": "你好"}}
    )
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await stored(api, cid) == 1


async def test_empty_or_too_long_text_is_refused_with_a_code_and_nothing_stored(
    api: Api,
) -> None:
    farmer, _, cid = await consultation(api)
    empty = await send(api, farmer, cid, "   ")
    assert (codes_of(empty), empty["userErrors"][0]["field"]) == (["REQUIRED"], "text")
    assert "不能为空" in empty["userErrors"][0]["message"]
    long = await send(api, farmer, cid, "长" * 201)
    assert codes_of(long) == ["TOO_LONG"] and "200" in long["userErrors"][0]["message"]
    assert (await send(api, farmer, cid, "长" * 200))["userErrors"] == []
    assert await stored(api, cid) == 1
    assert await texts_to(api, farmer) == []


async def test_a_cancelled_consultation_takes_no_messages(api: Api) -> None:
    farmer, li, cid = await consultation(api)
    cancelled = await api.gql(CANCEL, {"i": {"consultationId": cid, "reason": "下乡"}}, li)
    assert cancelled["data"]["cancelConsultation"]["userErrors"] == []
    refused = await send(api, farmer, cid, "那改天吧")
    assert codes_of(refused) == ["THREAD_CLOSED"]
    assert "已取消" in refused["userErrors"][0]["message"]
    assert await stored(api, cid) == 0


async def test_a_last_word_within_a_day_of_the_end_but_not_after(api: Api) -> None:
    farmer, _, cid = await consultation(api)
    await move_in_time(api, cid, -timedelta(hours=2))
    assert (await send(api, farmer, cid, "谢谢专家"))["userErrors"] == []
    await move_in_time(api, cid, -timedelta(hours=26))
    assert codes_of(await send(api, farmer, cid, "还有一个问题")) == ["THREAD_CLOSED"]
    assert await stored(api, cid) == 1


async def test_one_sms_per_half_hour_per_recipient_but_every_message_in_the_inbox(
    api: Api,
) -> None:
    farmer, li, cid = await consultation(api)
    for text in ("来不了", "能改到明天吗", "上午或下午都行"):
        assert (await send(api, farmer, cid, text))["userErrors"] == []
    assert await texts_to(api, li) == ["【三农】农户给您留言：来不了，请打开三农应用查看"]
    expert_doc = await api.db.users.find_one({"phone": li.phone})
    assert expert_doc is not None
    inbox = await api.db.notifications.find(
        {"userId": expert_doc["_id"], "kind": "CONSULTATION_MESSAGE"}
    ).to_list()
    assert len(inbox) == 3
    assert await texts_to(api, farmer) == []  # the sender is not texted
    assert (await send(api, li, cid, "明天上午九点可以"))["userErrors"] == []
    assert await texts_to(api, farmer) == [
        "【三农】专家给您留言：明天上午九点可以，请打开三农应用查看"
    ]
    # Half an hour after the last text, the next message texts again.
    half_hour_ago = now() - timedelta(minutes=31)
    await api.db.consultations.update_one(
        {"_id": key_of(cid)}, {"$set": {"messageSmsAt.expert": half_hour_ago}}
    )
    assert (await send(api, farmer, cid, "我明天一定到"))["userErrors"] == []
    assert len(await texts_to(api, li)) == 2
    assert await texts_to(api, farmer) == [
        "【三农】专家给您留言：明天上午九点可以，请打开三农应用查看"
    ]


async def test_more_than_a_burst_in_a_minute_is_rate_limited_and_not_stored(api: Api) -> None:
    farmer, _, cid = await consultation(api)
    # The limit counts in fixed windows of a minute: a burst that straddles two windows is
    # within the limit in each, so the burst starts with at least 30 s of its window left.
    left = BURST_WINDOW_SECONDS - time.time() % BURST_WINDOW_SECONDS
    if left < 30:
        await asyncio.sleep(left + 0.1)
    for n in range(5):
        assert (await send(api, farmer, cid, f"第{n}条"))["userErrors"] == []
    result = await api.gql(
        SEND, {"i": {"consultationId": cid, "clientId": client_id(), "text": "第六条"}}, farmer
    )
    assert result["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert await stored(api, cid) == 5


async def test_a_retried_send_with_the_same_client_id_is_stored_once(api: Api) -> None:
    farmer, li, cid = await consultation(api)
    same = client_id()
    answers = await asyncio.gather(*(send(api, farmer, cid, "来不了", same) for _ in range(8)))
    assert all(answer["userErrors"] == [] for answer in answers)
    assert len({answer["message"]["id"] for answer in answers}) == 1
    assert await stored(api, cid) == 1
    assert len(await texts_to(api, li)) == 1
    doc = await api.db.consultations.find_one({"_id": key_of(cid)})
    assert doc is not None and doc["messageCounts"] == {"farmer": 1}


async def test_each_party_writes_at_most_twenty_messages_per_consultation(api: Api) -> None:
    farmer, li, cid = await consultation(api)
    for n in range(20):
        if n % 5 == 0:
            await api.db.throttle.delete_many({})  # as if the minutes had passed
        assert (await send(api, farmer, cid, f"第{n + 1}条"))["userErrors"] == []
    await api.db.throttle.delete_many({})
    refused = await send(api, farmer, cid, "第21条")
    assert codes_of(refused) == ["TOO_MANY_MESSAGES"]
    assert "20" in refused["userErrors"][0]["message"]
    assert (await send(api, li, cid, "收到"))["userErrors"] == []  # the other party still can
    assert await stored(api, cid) == 21
    shown = await thread(api, farmer, cid)
    assert (len(shown), shown[0]["text"], shown[-1]["text"]) == (21, "第1条", "收到")


async def test_the_thread_shows_the_newest_fifty_oldest_first(api: Api) -> None:
    farmer, li, cid = await consultation(api)
    start, farmer_key = now() - timedelta(hours=1), key_of(farmer.id)
    for batch in range(6):  # small batches: the embedded server prefers them
        await api.db.consultation_messages.insert_many(
            [
                {
                    "consultationId": key_of(cid),
                    "senderId": farmer_key,
                    "clientId": f"old-{n:04d}",
                    "text": f"旧留言{n}",
                    "at": start + timedelta(seconds=n),
                }
                for n in range(batch * 10, batch * 10 + 10)
            ]
        )
    shown = await thread(api, li, cid)
    assert [m["text"] for m in shown] == [f"旧留言{n}" for n in range(10, 60)]
