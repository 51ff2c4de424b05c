"""The in-app call: the two parties of a consultation exchange WebRTC signalling through
the API (across server processes), near the consultation's time, and nobody else."""

import asyncio
import contextlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from sannong.db import Database
from sannong.settings import IceServer
from tests.experts import SIGNAL, booked, expert, move_in_time, slot
from tests.factories import Api, Person, codes
from tests.servers import Socket, serving

SUBSCRIBE = """subscription($c: ID!) { callSignals(consultationId: $c) {
    kind payload consultationId sender { id } } }"""
OFFER = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"


async def call_ready(api: Api) -> tuple[Person, Person, str]:
    """(farmer, expert, consultation id) of a consultation starting in five minutes."""
    li = await expert(api)
    farmer = await api.person()
    consultation = await booked(api, farmer, (await slot(api, li))["id"])
    await move_in_time(api, consultation["id"], timedelta(minutes=5))
    return farmer, li, consultation["id"]


def signal(consultation_id: str, kind: str, payload: str) -> dict[str, Any]:
    return {"i": {"consultationId": consultation_id, "kind": kind, "payload": payload}}


async def test_signalling_is_open_from_ten_minutes_before_to_the_end(api: Api) -> None:
    farmer, li, cid = await call_ready(api)
    sent = await api.gql(SIGNAL, signal(cid, "OFFER", OFFER), as_=farmer)
    assert sent["data"]["sendCallSignal"]["signal"]["kind"] == "OFFER"
    for starts_in in (timedelta(minutes=11), timedelta(minutes=-31)):  # a 30-minute slot
        await move_in_time(api, cid, starts_in)
        refused = await api.gql(SIGNAL, signal(cid, "ANSWER", "x"), as_=li)
        errors = refused["data"]["sendCallSignal"]["userErrors"]
        assert [e["code"] for e in errors] == ["OUTSIDE_CALL_WINDOW"], starts_in
    assert await api.db.call_signals.count_documents({}) == 1


async def test_a_third_person_cannot_signal_and_a_cancelled_call_is_closed(api: Api) -> None:
    farmer, _, cid = await call_ready(api)
    stranger = await api.person()
    assert codes(await api.gql(SIGNAL, signal(cid, "OFFER", OFFER), as_=stranger)) == ["FORBIDDEN"]
    assert codes(await api.gql(SIGNAL, signal(cid, "OFFER", OFFER))) == ["UNAUTHENTICATED"]
    too_long = await api.gql(SIGNAL, signal(cid, "OFFER", "a" * 16_001), as_=farmer)
    assert [e["code"] for e in too_long["data"]["sendCallSignal"]["userErrors"]] == ["TOO_LONG"]
    await api.db.consultations.update_one({}, {"$set": {"status": "CANCELLED"}})
    closed = await api.gql(SIGNAL, signal(cid, "OFFER", OFFER), as_=farmer)
    assert [e["code"] for e in closed["data"]["sendCallSignal"]["userErrors"]] == [
        "OUTSIDE_CALL_WINDOW"
    ]
    assert await api.db.call_signals.count_documents({}) == 0


async def test_parties_get_ice_servers_and_a_room_link_from_the_settings(api: Api) -> None:
    farmer, _, cid = await call_ready(api)
    settings = api.http._transport.app.state.services.settings  # type: ignore[attr-defined]
    settings.ice_servers = [
        IceServer(urls=["turn:turn.sannong.test:3478"], username="u", credential="p")
    ]
    settings.video_base_url = "https://meet.sannong.test/"
    query = """query($id: ID!) { node(id: $id) { ... on Consultation {
        iceServers { urls username credential } videoRoomUrl callOpensAt startsAt } } }"""
    try:
        node = (await api.gql(query, {"id": cid}, as_=farmer))["data"]["node"]
    finally:
        settings.ice_servers, settings.video_base_url = [], None
    assert node["iceServers"] == [
        {"urls": ["turn:turn.sannong.test:3478"], "username": "u", "credential": "p"}
    ]
    assert node["videoRoomUrl"].startswith("https://meet.sannong.test/sannong-")


@pytest.mark.slow
async def test_the_parties_exchange_offer_and_answer_through_two_server_processes(
    mongodb_uri: str, db_name: str, db: Database, tmp_path: Path
) -> None:
    async with (
        serving(mongodb_uri, db_name, tmp_path) as first,
        serving(mongodb_uri, db_name, tmp_path) as second,
    ):
        api = Api(httpx.AsyncClient(base_url=second.url), db)
        farmer, li, cid = await call_ready(api)
        stranger = await api.person()
        expert_socket = await Socket.open(first.ws_url, li.token)
        farmer_socket = await Socket.open(second.ws_url, farmer.token)
        await expert_socket.start(SUBSCRIBE, {"c": cid})
        await farmer_socket.start(SUBSCRIBE, {"c": cid})
        offer = await until_heard(api, farmer, cid, "OFFER", OFFER, expert_socket)
        assert offer["sender"]["id"] == farmer.id and offer["consultationId"] == cid
        as_expert = Api(httpx.AsyncClient(base_url=first.url), db)
        answer = await until_heard(as_expert, li, cid, "ANSWER", "v=0 answer", farmer_socket)
        assert answer["payload"] == "v=0 answer" and answer["sender"]["id"] == li.id
        # The third person: the mutation and the subscription are refused.
        refused = await api.gql(SIGNAL, signal(cid, "ICE_CANDIDATE", "candidate:1"), as_=stranger)
        assert codes(refused) == ["FORBIDDEN"]
        snoop = await Socket.open(first.ws_url, stranger.token)
        await snoop.start(SUBSCRIBE, {"c": cid})
        message = await snoop.receive()
        assert message["type"] in ("error", "next")
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
        for socket in (expert_socket, farmer_socket, snoop):
            await socket.close()
        await api.http.aclose()
        await as_expert.http.aclose()


async def until_heard(
    api: Api, sender: Person, cid: str, kind: str, payload: str, listener: Socket
) -> dict[str, Any]:
    """Sends until the listener hears it: its subscription starts asynchronously."""
    for _ in range(10):
        sent = await api.gql(SIGNAL, signal(cid, kind, payload), as_=sender)
        assert sent["data"]["sendCallSignal"]["userErrors"] == [], sent
        with contextlib.suppress(TimeoutError):
            heard: dict[str, Any] = (await listener.receive(within=1.5))["payload"]["data"][
                "callSignals"
            ]
            assert heard["kind"] == kind
            return heard
    raise AssertionError(f"{kind} was not heard")


async def test_a_party_joining_the_call_says_it_is_ready(api: Api) -> None:
    """READY carries no SDP: the app sends it on joining so the other (re)offers."""
    farmer, li, cid = await call_ready(api)
    sent = await api.gql(SIGNAL, signal(cid, "READY", "{}"), as_=farmer)
    assert sent["data"]["sendCallSignal"]["signal"]["kind"] == "READY"
    stranger = await api.person()
    assert codes(await api.gql(SIGNAL, signal(cid, "READY", "{}"), as_=stranger)) == ["FORBIDDEN"]
    await move_in_time(api, cid, timedelta(minutes=30))
    late = await api.gql(SIGNAL, signal(cid, "READY", "{}"), as_=li)
    assert [e["code"] for e in late["data"]["sendCallSignal"]["userErrors"]] == [
        "OUTSIDE_CALL_WINDOW"
    ]
    assert await api.db.call_signals.count_documents({"kind": "READY"}) == 1


async def test_a_burst_of_signals_is_rate_limited_and_every_acknowledged_one_arrives(
    mongodb_uri: str, db_name: str, db: Database, tmp_path: Path
) -> None:
    """150 ICE candidates at 20 in flight: what is acknowledged reaches the other party,
    every one of them, whatever the subscriber's pace; the excess is refused with
    RATE_LIMITED before anything is stored."""
    # 20 a party per 10 s: a burst outpaces the window even on a slow machine.
    async with serving(mongodb_uri, db_name, tmp_path, call_signals_per_window="20") as server:
        api = Api(httpx.AsyncClient(base_url=server.url, timeout=60), db)
        farmer, li, cid = await call_ready(api)
        expert_socket = await Socket.open(server.ws_url, li.token)
        await expert_socket.start(SUBSCRIBE, {"c": cid})
        await until_heard(api, farmer, cid, "OFFER", OFFER, expert_socket)
        in_flight = asyncio.Semaphore(20)

        async def send(n: int) -> dict[str, Any]:
            async with in_flight:
                payload = signal(cid, "ICE_CANDIDATE", f"candidate:{n}")
                return await api.gql(SIGNAL, payload, as_=farmer)

        answers = await asyncio.gather(*(send(n) for n in range(150)))
        acknowledged = {
            f"candidate:{n}"
            for n, answer in enumerate(answers)
            if (answer.get("data") or {}).get("sendCallSignal")
            and answer["data"]["sendCallSignal"]["signal"] is not None
        }
        refused = [answer for answer in answers if "errors" in answer]
        assert acknowledged and refused
        assert len(acknowledged) + len(refused) == 150
        assert {code for answer in refused for code in codes(answer)} == {"RATE_LIMITED"}
        assert all("频繁" in answer["errors"][0]["message"] for answer in refused)
        stored = await db.call_signals.count_documents({"kind": "ICE_CANDIDATE"})
        assert stored == len(acknowledged)
        heard: list[str] = []
        while len(heard) < len(acknowledged):
            message = await expert_socket.receive(within=30)
            heard.append(message["payload"]["data"]["callSignals"]["payload"])
        assert sorted(heard) == sorted(acknowledged)  # each one once, none lost
        await expert_socket.close()
        await api.http.aclose()


async def test_a_signal_that_cannot_be_announced_is_not_acknowledged(api: Api) -> None:
    """The event feed refuses the signal's event (its number is taken, as a stray
    write would leave it): the sender hears SERVICE_UNAVAILABLE, not "sent", and no
    signal is kept for nobody to hear."""
    farmer, _, cid = await call_ready(api)
    counter = await api.db.counters.find_one({"_id": "events"})
    taken = (counter["seq"] if counter else 0) + 1
    await api.db.events.insert_one({"_id": taken, "topic": "x", "audience": [], "ids": []})
    refused = await api.gql(SIGNAL, signal(cid, "OFFER", OFFER), as_=farmer)
    assert codes(refused) == ["SERVICE_UNAVAILABLE"]
    assert "重试" in refused["errors"][0]["message"]
    assert await api.db.call_signals.count_documents({}) == 0
    sent = await api.gql(SIGNAL, signal(cid, "OFFER", OFFER), as_=farmer)  # the next number
    assert sent["data"]["sendCallSignal"]["signal"]["kind"] == "OFFER"
