"""Helpers for the experts' tests: one call per fact a test needs."""

import base64
import itertools
import json
from datetime import datetime, timedelta
from typing import Any

import httpx
from bson import ObjectId

from sannong.auth import Role
from sannong.clock import now
from tests.factories import Api, Person, gid, region_id
from tests.market import image_bytes

_keys = itertools.count(1)
SHOUGUANG = "370783000000"  # 寿光市, above the test villages
PREFLIGHT = {"GraphQL-Preflight": "1"}

SLOT_FIELDS = "id startsAt endsAt durationMinutes status expert { id name }"
CONSULTATION_FIELDS = """id status topic description crop startsAt endsAt advice cancelReason
    photos { key url } rating { stars comment } history { status reason actor { id } }
    farmer { id } expert { id } slot { id status }"""

PROFILE = """mutation($i: UpdateExpertProfileInput!) { updateExpertProfile(input: $i) {
    expert { id name specialties organization title bio answerCount consultationCount
             rating { average count } regions { id } }
    userErrors { field message code } } }"""
PUBLISH = f"""mutation($i: PublishSlotsInput!) {{ publishSlots(input: $i) {{
    slots {{ {SLOT_FIELDS} }} userErrors {{ field message code }} }} }}"""
CANCEL_SLOT = f"""mutation($i: CancelSlotInput!) {{ cancelSlot(input: $i) {{
    slot {{ {SLOT_FIELDS} }} userErrors {{ field message code }} }} }}"""
BOOK = f"""mutation($i: BookConsultationInput!) {{ bookConsultation(input: $i) {{
    consultation {{ {CONSULTATION_FIELDS} }} userErrors {{ field message code }} }} }}"""
CANCEL = f"""mutation($i: CancelConsultationInput!) {{ cancelConsultation(input: $i) {{
    consultation {{ {CONSULTATION_FIELDS} }} userErrors {{ field message code }} }} }}"""
COMPLETE = f"""mutation($i: CompleteConsultationInput!) {{ completeConsultation(input: $i) {{
    consultation {{ {CONSULTATION_FIELDS} }} userErrors {{ field message code }} }} }}"""
NO_SHOW = f"""mutation($i: MarkNoShowInput!) {{ markNoShow(input: $i) {{
    consultation {{ {CONSULTATION_FIELDS} }} userErrors {{ field message code }} }} }}"""
RATE = f"""mutation($i: RateConsultationInput!) {{ rateConsultation(input: $i) {{
    consultation {{ {CONSULTATION_FIELDS} }} userErrors {{ field message code }} }} }}"""
SIGNAL = """mutation($i: SendCallSignalInput!) { sendCallSignal(input: $i) {
    signal { id kind payload consultationId sender { id } } userErrors { field message code } } }"""
SEND_MESSAGE = """mutation($i: SendConsultationMessageInput!) { sendConsultationMessage(input: $i) {
    message { id text fromMe } userErrors { field message code } } }"""
ASK = """mutation($i: AskQuestionInput!) { askQuestion(input: $i) {
    question { id status crop text specialty photos { key } asker { id } }
    userErrors { field message code } } }"""
ANSWER = """mutation($i: AnswerQuestionInput!) { answerQuestion(input: $i) {
    question { id status answers { id text helpful expert { id name } } }
    userErrors { field message code } } }"""
HELPFUL = """mutation($i: MarkAnswerHelpfulInput!) { markAnswerHelpful(input: $i) {
    question { id answers { id helpful } } userErrors { field message code } } }"""
SCHEDULE = """mutation($i: ScheduleVideoSessionInput!) { scheduleVideoSession(input: $i) {
    videoSession { id title capacity registeredCount registered startsAt replayUrl
                   expert { name } }
    userErrors { field message code } } }"""
REGISTER = """mutation($i: RegisterForVideoSessionInput!) { registerForVideoSession(input: $i) {
    videoSession { id registeredCount registered } userErrors { field message code } } }"""
REPLAY = """mutation($i: SetVideoSessionReplayInput!) { setVideoSessionReplay(input: $i) {
    videoSession { id replayUrl } userErrors { field message code } } }"""


def new_key() -> str:
    return f"booking-key-{next(_keys):06d}"


def later(**delta: float) -> str:
    """An ISO time this far from now, whole minutes."""
    return (now() + timedelta(**delta)).replace(second=0, microsecond=0).isoformat()


def lecture(**overrides: Any) -> dict[str, Any]:
    """A lecture's input, in 30 hours; `overrides` change any field."""
    return {
        "title": "小麦春季田间管理",
        "topic": "返青期肥水管理和病虫害防治",
        "crops": ["小麦"],
        "startsAt": later(hours=30),
        "durationMinutes": 90,
        "streamUrl": "https://live.example.cn/room/42",
        "capacity": 5,
    } | overrides


def key_of(global_id: str) -> ObjectId:
    return ObjectId(base64.b64decode(global_id).decode().split(":", 1)[1])


async def expert(
    api: Api,
    specialties: tuple[str, ...] = ("PLANT_PROTECTION",),
    regions: tuple[str, ...] = (SHOUGUANG,),
    **profile: Any,
) -> Person:
    person = await api.person(Role.EXPERT)
    result = await api.gql(
        PROFILE,
        {
            "i": {
                "specialties": list(specialties),
                "organization": "寿光市农业农村局",
                "title": "高级农艺师",
                "bio": "从事蔬菜病虫害防治二十年",
                "regionIds": [region_id(code) for code in regions],
            }
            | profile
        },
        as_=person,
    )
    assert result["data"]["updateExpertProfile"]["userErrors"] == [], result
    return person


async def publish(
    api: Api, person: Person, *slots: tuple[float, int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(slots, userErrors) of publishing slots given as (hours from now, minutes)."""
    variables = {
        "i": {"slots": [{"startsAt": later(hours=h), "durationMinutes": m} for h, m in slots]}
    }
    result = await api.gql(PUBLISH, variables, as_=person)
    payload = result["data"]["publishSlots"]
    return payload["slots"], payload["userErrors"]


async def slot(api: Api, person: Person, hours: float = 48, minutes: int = 30) -> dict[str, Any]:
    published, errors = await publish(api, person, (hours, minutes))
    assert errors == [], errors
    return published[0]


async def book(
    api: Api, farmer: Person, slot_id: str, key: str | None = None, **more: Any
) -> dict[str, Any]:
    result = await api.gql(
        BOOK,
        {
            "i": {"slotId": slot_id, "topic": "大棚黄瓜霜霉病", "idempotencyKey": key or new_key()}
            | more
        },
        as_=farmer,
    )
    assert "errors" not in result, result
    payload: dict[str, Any] = result["data"]["bookConsultation"]
    return payload


async def booked(api: Api, farmer: Person, slot_id: str) -> dict[str, Any]:
    payload = await book(api, farmer, slot_id)
    assert payload["userErrors"] == [], payload
    consultation: dict[str, Any] = payload["consultation"]
    return consultation


async def move_in_time(api: Api, consultation_id: str, starts_in: timedelta) -> None:
    """As if time had passed: the consultation (and its slot) now start `starts_in` from now."""
    doc = await api.db.consultations.find_one({"_id": key_of(consultation_id)})
    assert doc is not None
    starts: datetime = now() + starts_in
    ends = starts + (doc["endsAt"] - doc["startsAt"])
    times = {"$set": {"startsAt": starts, "endsAt": ends}}
    await api.db.consultations.update_one({"_id": doc["_id"]}, times)
    await api.db.consultation_slots.update_one({"_id": doc["slotId"]}, times)


async def multipart(
    api: Api,
    person: Person,
    query: str,
    variables: dict[str, Any],
    count: int,
) -> httpx.Response:
    """The mutation with `count` photos uploaded as `variables.i.photos`."""
    operations = {"query": query, "variables": {"i": variables | {"photos": [None] * count}}}
    mapping = {str(n): [f"variables.i.photos.{n}"] for n in range(count)}
    photo = image_bytes("JPEG")
    return await api.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps(mapping)},
        files={str(n): (f"{n}.jpg", photo, "image/jpeg") for n in range(count)},
        headers=person.headers | PREFLIGHT,
    )


def expert_id(person: Person) -> str:
    return gid("Expert", person.key)


def codes_of(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]
