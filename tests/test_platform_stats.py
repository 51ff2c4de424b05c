"""Figures of a region subtree for its admins: people per subregion and role, orders per
state and turnover, active listings; kept a minute; nobody else sees them."""

from datetime import UTC, datetime, timedelta

import pytest

from sannong.auth import Role
from sannong.clock import CHINA
from sannong.db.client import count_commands
from sannong.rules import stats
from tests.experts import (
    ANSWER,
    ASK,
    CANCEL,
    COMPLETE,
    NO_SHOW,
    booked,
    expert,
    key_of,
    move_in_time,
    slot,
)
from tests.factories import Api, codes, region_id
from tests.market import CANCEL as CANCEL_ORDER
from tests.market import COMPLETE as COMPLETE_ORDER
from tests.market import RESPOND, create_listing, place
from tests.notices import ACK, MARK_READ, admin, publish, reply, submit
from tests.notices import RATE as RATE_FEEDBACK

SUNJIAJI, LUOCHENG, SHOUGUANG = "370783003000", "370783002000", "370783000000"
STATS = """query($r: ID) { platformStats(regionId: $r) {
  region { name }
  residentsBySubregion { count region { name } }
  peopleByRole { role count }
  ordersByStatus { status count amount }
  turnover activeListings } }"""


@pytest.fixture(autouse=True)
def fresh_figures() -> None:
    stats._kept.clear()  # figures are kept a minute per process: each test counts anew


async def test_a_county_admin_sees_people_orders_and_turnover_of_the_county(api: Api) -> None:
    seller = await api.person()
    buyer = await api.person(village="东斟灌村")
    county = await api.person(Role.PLATFORM_ADMIN, scope=SHOUGUANG)
    listing = await create_listing(api, seller, price="2.50", quantity=100)
    done = (await place(api, buyer, listing["id"], quantity=4))["data"]["placeOrder"]["order"]
    cancelled = (await place(api, buyer, listing["id"], quantity=1))["data"]["placeOrder"]
    await api.gql(RESPOND, {"i": {"orderId": done["id"], "accept": True}}, as_=seller)
    await api.gql(COMPLETE_ORDER, {"i": {"orderId": done["id"]}}, as_=seller)
    await api.gql(CANCEL_ORDER, {"i": {"orderId": cancelled["order"]["id"]}}, as_=buyer)

    figures = (await api.gql(STATS, as_=county))["data"]["platformStats"]
    assert figures["region"] == {"name": "寿光市"}
    assert {r["region"]["name"]: r["count"] for r in figures["residentsBySubregion"]} == {
        "孙家集街道": 2,  # the seller and the county admin live in 孙家集村
        "洛城街道": 1,
    }
    assert {r["role"]: r["count"] for r in figures["peopleByRole"]} == {
        "FARMER": 2,
        "PLATFORM_ADMIN": 1,
    }
    assert figures["ordersByStatus"] == [
        {"status": "CANCELLED", "count": 1, "amount": "2.50"},
        {"status": "COMPLETED", "count": 1, "amount": "10.00"},
    ]
    assert figures["turnover"] == "10.00" and figures["activeListings"] == 1


async def test_a_township_admin_sees_villages_of_its_township(api: Api) -> None:
    await api.person(village="三元朱村")
    admin = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    figures = (await api.gql(STATS, as_=admin))["data"]["platformStats"]
    assert figures["region"] == {"name": "孙家集街道"}
    assert {r["region"]["name"] for r in figures["residentsBySubregion"]} == {
        "三元朱村",
        "孙家集村",
    }
    assert figures["ordersByStatus"] == [] and figures["turnover"] == "0.00"


async def test_figures_are_kept_a_minute(api: Api) -> None:
    county = await api.person(Role.PLATFORM_ADMIN, scope=SHOUGUANG)
    await api.gql(STATS, as_=county)
    await api.person()  # a new resident is counted a minute later, not now
    with count_commands() as tally:
        again = await api.gql(STATS, as_=county)
    assert "aggregate" not in tally.names
    people = again["data"]["platformStats"]["residentsBySubregion"]
    assert sum(r["count"] for r in people) == 1


@pytest.mark.parametrize(
    ("who", "region", "code"),
    [
        (None, None, "UNAUTHENTICATED"),
        (Role.FARMER, None, "FORBIDDEN"),
        (Role.EXPERT, None, "FORBIDDEN"),
        (Role.TOWNSHIP_ADMIN, LUOCHENG, "FORBIDDEN"),  # another township
        (Role.TOWNSHIP_ADMIN, SHOUGUANG, "FORBIDDEN"),  # above its own
        (Role.TOWNSHIP_ADMIN, "370783003999", "NOT_FOUND"),
    ],
)
async def test_who_may_not_see_the_figures(
    api: Api, who: Role | None, region: str | None, code: str
) -> None:
    viewer = None
    if who is not None:
        viewer = await api.person(who, scope=SUNJIAJI if who is Role.TOWNSHIP_ADMIN else None)
    result = await api.gql(STATS, {"r": region_id(region) if region else None}, as_=viewer)
    assert result["data"] is None and codes(result) == [code]


NEWS = """{ platformStats { noticesPublished noticeReads noticeAcknowledgements
  feedbackByStatus { status count } feedbackMeanHoursToClose
  feedbackRatings { outcome count averageStars } questionsAsked questionsAnswered } }"""


async def test_notices_feedback_and_questions_are_counted_for_the_township(api: Api) -> None:
    township = await admin(api)
    farmer = await api.person()
    notice = await publish(api, township, requiresAck=True)
    for query in (MARK_READ, ACK):
        assert "errors" not in await api.gql(query, {"i": {"noticeId": notice["id"]}}, as_=farmer)
    await publish(api, township, title="第二份通知")
    solved = await submit(api, farmer)
    await submit(api, farmer, kind="SUGGESTION", text="希望村里多办几次农技培训")
    for status in ("IN_PROGRESS", "RESOLVED"):
        assert "errors" not in await reply(api, township, solved["id"], status)
    rated = await api.gql(
        RATE_FEEDBACK,
        {"i": {"feedbackId": solved["id"], "outcome": "PARTLY_SOLVED", "stars": 4}},
        as_=farmer,
    )
    assert rated["data"]["rateFeedback"]["userErrors"] == []
    teacher = await expert(api)
    for text in ("黄瓜叶子发黄怎么办", "大棚湿度多少合适"):
        asked = await api.gql(
            ASK, {"i": {"specialty": "PLANT_PROTECTION", "crop": "黄瓜", "text": text}}, as_=farmer
        )
        question = asked["data"]["askQuestion"]["question"]
    answered = await api.gql(
        ANSWER, {"i": {"questionId": question["id"], "text": "控制湿度在八成以下"}}, as_=teacher
    )
    assert "errors" not in answered

    figures = (await api.gql(NEWS, as_=township))["data"]["platformStats"]
    assert figures["noticesPublished"] == 2
    assert (figures["noticeReads"], figures["noticeAcknowledgements"]) == (1, 1)
    assert figures["feedbackByStatus"] == [
        {"status": "ACCEPTED", "count": 1},
        {"status": "RESOLVED", "count": 1},
    ]
    assert 0 <= figures["feedbackMeanHoursToClose"] < 1  # closed within the test
    assert figures["feedbackRatings"] == [
        {"outcome": "PARTLY_SOLVED", "count": 1, "averageStars": 4.0}
    ]
    assert (figures["questionsAsked"], figures["questionsAnswered"]) == (2, 1)


CONSULTATIONS = """query($r: ID) { platformStats(regionId: $r) {
  consultationsHeld consultationsCancelled consultationsNoShow
  consultationsByMonth { month held cancelled noShow booked } } }"""


def _china_month(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(CHINA).strftime("%Y-%m")


async def test_consultations_of_the_subtrees_farmers_are_counted_by_month(api: Api) -> None:
    teacher = await expert(api)
    farmer = await api.person()  # 孙家集村
    elsewhere = await api.person(village="东斟灌村")  # another township of the county
    held, absent, dropped, waiting = [
        await booked(api, farmer, (await slot(api, teacher, hours=hours))["id"])
        for hours in (30, 40, 50)
    ] + [await booked(api, elsewhere, (await slot(api, teacher, hours=60))["id"])]
    await move_in_time(api, held["id"], timedelta(minutes=-20))
    await api.gql(COMPLETE, {"i": {"consultationId": held["id"], "advice": "通风"}}, as_=teacher)
    await move_in_time(api, absent["id"], timedelta(minutes=-10))
    await api.gql(NO_SHOW, {"i": {"consultationId": absent["id"]}}, as_=teacher)
    await api.gql(CANCEL, {"i": {"consultationId": dropped["id"]}}, as_=farmer)

    township = await admin(api)
    figures = (await api.gql(CONSULTATIONS, as_=township))["data"]["platformStats"]
    assert (
        figures["consultationsHeld"],
        figures["consultationsCancelled"],
        figures["consultationsNoShow"],
    ) == (1, 1, 1)
    months: dict[str, dict[str, int]] = {}
    for label, consultation in (("held", held), ("noShow", absent), ("cancelled", dropped)):
        doc = await api.db.consultations.find_one({"_id": key_of(consultation["id"])})
        assert doc is not None
        month = _china_month(doc["startsAt"].replace(tzinfo=UTC).isoformat())
        months.setdefault(month, {"held": 0, "cancelled": 0, "noShow": 0, "booked": 0})
        months[month][label] += 1
    assert figures["consultationsByMonth"] == [
        {"month": month} | counts for month, counts in sorted(months.items())
    ]
    stats._kept.clear()
    county = await api.person(Role.PLATFORM_ADMIN, scope=SHOUGUANG)
    wider = (await api.gql(CONSULTATIONS, as_=county))["data"]["platformStats"]
    assert sum(m["booked"] for m in wider["consultationsByMonth"]) == 1  # 东斟灌村's, upcoming
    assert waiting["status"] == "BOOKED"


async def test_farmers_and_experts_may_not_see_the_consultation_figures(api: Api) -> None:
    for person in (await api.person(), await expert(api)):
        result = await api.gql(CONSULTATIONS, as_=person)
        assert result["data"] is None and codes(result) == ["FORBIDDEN"]
