"""Booking an expert's slot: one booking per slot under 50 concurrent requests, idempotency
keys, a farmer's overlaps and upcoming cap, and every step after the booking."""

import asyncio
from datetime import timedelta

from sannong.auth import Role
from tests.experts import (
    BOOK,
    CANCEL,
    COMPLETE,
    NO_SHOW,
    RATE,
    book,
    booked,
    codes_of,
    expert,
    key_of,
    move_in_time,
    multipart,
    new_key,
    publish,
    slot,
)
from tests.factories import Api, codes


async def test_fifty_concurrent_bookings_of_one_slot_book_it_once(api: Api) -> None:
    li = await expert(api)
    farmers = [await api.person() for _ in range(50)]
    target = await slot(api, li)
    answers = await asyncio.gather(*(book(api, farmer, target["id"]) for farmer in farmers))
    won = [a for a in answers if a["consultation"]]
    assert len(won) == 1
    assert sorted(codes_of(a) for a in answers if not a["consultation"]) == [["CONFLICT"]] * 49
    assert await api.db.consultations.count_documents({}) == 1
    doc = await api.db.consultation_slots.find_one({"_id": key_of(target["id"])})
    assert doc is not None and doc["status"] == "BOOKED"


async def test_a_cancelled_booking_frees_the_slot_for_a_new_one(api: Api) -> None:
    li = await expert(api)
    wang, zhao = await api.person(), await api.person()
    target = await slot(api, li)
    first = await booked(api, wang, target["id"])
    assert codes_of(await book(api, zhao, target["id"])) == ["CONFLICT"]
    cancelled = await api.gql(CANCEL, {"i": {"consultationId": first["id"]}}, as_=wang)
    consultation = cancelled["data"]["cancelConsultation"]["consultation"]
    assert consultation["status"] == "CANCELLED"
    assert consultation["slot"]["status"] == "OPEN"
    second = await booked(api, zhao, target["id"])
    assert second["slot"]["status"] == "BOOKED"


async def test_fifty_concurrent_replays_of_one_key_make_one_booking(api: Api) -> None:
    li = await expert(api)
    farmer = await api.person()
    target = await slot(api, li)
    key = new_key()
    answers = await asyncio.gather(*(book(api, farmer, target["id"], key) for _ in range(50)))
    assert [a["userErrors"] for a in answers] == [[]] * 50
    assert len({a["consultation"]["id"] for a in answers}) == 1
    assert await api.db.consultations.count_documents({}) == 1


async def test_the_same_key_for_another_booking_is_a_conflict(api: Api) -> None:
    li = await expert(api)
    farmer = await api.person()
    first, other = await slot(api, li, hours=30), await slot(api, li, hours=40)
    key = new_key()
    placed = await book(api, farmer, first["id"], key)
    assert (await book(api, farmer, first["id"], key))["consultation"] == placed["consultation"]
    variables = {"i": {"slotId": other["id"], "topic": "另一个问题", "idempotencyKey": key}}
    result = await api.gql(BOOK, variables, as_=farmer)
    assert codes(result) == ["CONFLICT"]
    assert await api.db.consultations.count_documents({}) == 1


async def test_a_farmer_cannot_hold_overlapping_bookings_even_partly(api: Api) -> None:
    li, zhang, zhao = await expert(api), await expert(api), await expert(api)
    farmer = await api.person()
    first = await slot(api, li, hours=48, minutes=60)  # 48:00–49:00
    partly = await slot(api, zhang, hours=48.5, minutes=60)  # 48:30–49:30
    after = await slot(api, zhao, hours=49, minutes=30)  # 49:00–49:30: touches, no overlap
    await booked(api, farmer, first["id"])
    refused = await book(api, farmer, partly["id"])
    assert codes_of(refused) == ["OVERLAP"]
    assert "重叠" in refused["userErrors"][0]["message"]
    await booked(api, farmer, after["id"])


async def test_concurrent_overlapping_bookings_of_one_farmer_leave_one(api: Api) -> None:
    experts = [await expert(api) for _ in range(5)]
    farmer = await api.person()
    slots = [await slot(api, e, hours=48, minutes=60) for e in experts]
    answers = await asyncio.gather(*(book(api, farmer, s["id"]) for s in slots))
    assert sum(1 for a in answers if a["consultation"]) == 1
    assert sorted(codes_of(a) for a in answers if not a["consultation"]) == [["OVERLAP"]] * 4


async def test_more_than_three_upcoming_bookings_are_refused(api: Api) -> None:
    li = await expert(api)
    farmer = await api.person()
    slots, errors = await publish(api, li, (30, 30), (40, 30), (50, 30), (60, 30))
    assert errors == []
    for target in slots[:3]:
        await booked(api, farmer, target["id"])
    assert codes_of(await book(api, farmer, slots[3]["id"])) == ["TOO_MANY_BOOKINGS"]


async def test_an_expert_cannot_book_their_own_slot(api: Api) -> None:
    li = await expert(api)
    target = await slot(api, li)
    assert codes_of(await book(api, li, target["id"])) == ["OWN_SLOT"]
    assert await api.db.consultations.count_documents({}) == 0


async def test_a_booking_carries_up_to_three_photos_and_four_are_refused(api: Api) -> None:
    li = await expert(api)
    farmer = await api.person()
    first, second = await slot(api, li, hours=30), await slot(api, li, hours=40)
    fields = {"topic": "番茄叶片发黄", "idempotencyKey": new_key()}
    three = await multipart(api, farmer, BOOK, fields | {"slotId": first["id"]}, 3)
    consultation = three.json()["data"]["bookConsultation"]["consultation"]
    assert len(consultation["photos"]) == 3
    four = await multipart(
        api, farmer, BOOK, fields | {"slotId": second["id"], "idempotencyKey": new_key()}, 4
    )
    assert codes_of(four.json()["data"]["bookConsultation"]) == ["TOO_MANY_PHOTOS"]
    assert await api.db.consultations.count_documents({}) == 1


async def test_cancelling_someone_elses_booking_is_forbidden(api: Api) -> None:
    li = await expert(api)
    farmer, stranger = await api.person(), await api.person()
    consultation = await booked(api, farmer, (await slot(api, li))["id"])
    result = await api.gql(CANCEL, {"i": {"consultationId": consultation["id"]}}, as_=stranger)
    assert codes(result) == ["FORBIDDEN"]
    doc = await api.db.consultations.find_one({"_id": key_of(consultation["id"])})
    assert doc is not None and doc["status"] == "BOOKED"


async def test_the_farmer_cancels_only_until_two_hours_before(api: Api) -> None:
    li = await expert(api)
    farmer = await api.person()
    consultation = await booked(api, farmer, (await slot(api, li))["id"])
    await move_in_time(api, consultation["id"], timedelta(minutes=90))
    result = await api.gql(CANCEL, {"i": {"consultationId": consultation["id"]}}, as_=farmer)
    assert codes_of(result["data"]["cancelConsultation"]) == ["TOO_LATE_TO_CANCEL"]


async def test_the_expert_cancels_any_time_with_a_reason_and_the_farmer_is_told(
    api: Api,
) -> None:
    li = await expert(api)
    farmer = await api.person()
    consultation = await booked(api, farmer, (await slot(api, li))["id"])
    await move_in_time(api, consultation["id"], timedelta(minutes=30))
    bare = await api.gql(CANCEL, {"i": {"consultationId": consultation["id"]}}, as_=li)
    assert codes_of(bare["data"]["cancelConsultation"]) == ["REQUIRED"]
    result = await api.gql(
        CANCEL, {"i": {"consultationId": consultation["id"], "reason": "临时下乡"}}, as_=li
    )
    cancelled = result["data"]["cancelConsultation"]["consultation"]
    assert (cancelled["status"], cancelled["cancelReason"]) == ("CANCELLED", "临时下乡")
    assert cancelled["slot"]["status"] == "CANCELLED"  # the expert is not available then
    farmer_doc = await api.db.users.find_one({"phone": farmer.phone})
    assert farmer_doc is not None
    notice = await api.db.notifications.find_one({"userId": farmer_doc["_id"]})
    assert notice is not None and "临时下乡" in notice["body"]
    sms = await api.db.sms_outbox.find_one({"phone": farmer.phone})
    assert sms is not None and "临时下乡" in sms["text"]


async def test_complete_rate_once_and_the_experts_rating_moves(api: Api) -> None:
    li = await expert(api)
    farmer = await api.person()
    consultation = await booked(api, farmer, (await slot(api, li))["id"])
    cid = consultation["id"]
    early = await api.gql(COMPLETE, {"i": {"consultationId": cid, "advice": "喷药"}}, as_=li)
    assert codes_of(early["data"]["completeConsultation"]) == ["NOT_STARTED"]
    await move_in_time(api, cid, timedelta(minutes=-20))
    not_yet = await api.gql(RATE, {"i": {"consultationId": cid, "stars": 5}}, as_=farmer)
    assert codes_of(not_yet["data"]["rateConsultation"]) == ["INVALID_TRANSITION"]
    advice = "发病初期用烯酰吗啉喷雾，注意通风降湿。"
    done = await api.gql(COMPLETE, {"i": {"consultationId": cid, "advice": advice}}, as_=li)
    completed = done["data"]["completeConsultation"]["consultation"]
    assert (completed["status"], completed["advice"]) == ("COMPLETED", advice)
    six = await api.gql(RATE, {"i": {"consultationId": cid, "stars": 6}}, as_=farmer)
    assert [e["field"] for e in six["data"]["rateConsultation"]["userErrors"]] == ["stars"]
    by_expert = await api.gql(RATE, {"i": {"consultationId": cid, "stars": 5}}, as_=li)
    assert codes(by_expert) == ["FORBIDDEN"]
    rated = await api.gql(
        RATE, {"i": {"consultationId": cid, "stars": 4, "comment": "很有用"}}, as_=farmer
    )
    assert rated["data"]["rateConsultation"]["consultation"]["rating"] == {
        "stars": 4,
        "comment": "很有用",
    }
    twice = await api.gql(RATE, {"i": {"consultationId": cid, "stars": 1}}, as_=farmer)
    assert codes_of(twice["data"]["rateConsultation"]) == ["ALREADY_RATED"]
    profile = await api.db.experts.find_one({"_id": key_of(consultation["expert"]["id"])})
    assert profile is not None
    assert (profile["ratingSum"], profile["ratingCount"], profile["consultationCount"]) == (4, 1, 1)


async def test_the_expert_marks_a_no_show_after_the_start(api: Api) -> None:
    li = await expert(api)
    farmer = await api.person()
    consultation = await booked(api, farmer, (await slot(api, li))["id"])
    cid = consultation["id"]
    early = await api.gql(NO_SHOW, {"i": {"consultationId": cid}}, as_=li)
    assert codes_of(early["data"]["markNoShow"]) == ["NOT_STARTED"]
    await move_in_time(api, cid, timedelta(minutes=-10))
    by_farmer = await api.gql(NO_SHOW, {"i": {"consultationId": cid}}, as_=farmer)
    assert codes(by_farmer) == ["FORBIDDEN"]
    marked = await api.gql(NO_SHOW, {"i": {"consultationId": cid}}, as_=li)
    consultation = marked["data"]["markNoShow"]["consultation"]
    assert [h["status"] for h in consultation["history"]] == ["BOOKED", "NO_SHOW"]


async def test_my_consultations_lists_each_party_and_is_private(api: Api) -> None:
    li = await expert(api)
    farmer, stranger = await api.person(), await api.person()
    consultation = await booked(api, farmer, (await slot(api, li))["id"])
    query = """query($s: ConsultationStatus) { myConsultations(status: $s) { totalCount
        edges { node { id topic farmer { id } iceServers { urls } videoRoomUrl } } } }"""
    for person, count in ((farmer, 1), (li, 1), (stranger, 0)):
        result = await api.gql(query, {"s": "BOOKED"}, as_=person)
        assert result["data"]["myConsultations"]["totalCount"] == count
    node = "query($id: ID!) { node(id: $id) { ... on Consultation { topic } } }"
    seen = await api.gql(node, {"id": consultation["id"]}, as_=stranger)
    assert codes(seen) == ["NOT_FOUND"]


async def test_booking_needs_a_sign_in_and_an_existing_slot(api: Api) -> None:
    li = await expert(api)
    target = await slot(api, li)
    anonymous = await api.gql(
        BOOK, {"i": {"slotId": target["id"], "topic": "问题", "idempotencyKey": new_key()}}
    )
    assert codes(anonymous) == ["UNAUTHENTICATED"]
    farmer = await api.person(Role.FARMER)
    missing = target["id"][:-4] + "AAAA"
    result = await api.gql(
        BOOK, {"i": {"slotId": missing, "topic": "问题", "idempotencyKey": new_key()}}, as_=farmer
    )
    assert codes(result) in (["NOT_FOUND"], ["BAD_USER_INPUT"])
