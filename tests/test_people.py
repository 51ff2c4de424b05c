"""Admins find the people of their subtree (phones unmasked there) and the listings
people reported to them; nobody else does."""

import pytest

from sannong.auth import Role
from sannong.db.client import count_commands
from tests.factories import Api, Person, codes, region_id, village_id
from tests.market import REPORT, create_listing

SUNJIAJI = "370783003000"  # 孙家集街道: 孙家集村, 三元朱村 …
LUOCHENG = "370783002000"  # 洛城街道: 东斟灌村 …
SHOUGUANG = "370783000000"  # 寿光市, the county of both

USERS = """query($f: UserFilter, $n: Int) { users(filter: $f, first: $n) {
  totalCount edges { node { id name phone role village { name } } } } }"""
REPORTS = """{ listingReports { edges { node { reportCount listing { id title }
  reports { reason reporter { name } } } } } }"""


async def named(api: Api, person: Person, name: str) -> Person:
    await api.db.users.update_one({"phone": person.phone}, {"$set": {"name": name}})
    return person


async def found(api: Api, viewer: Person, filter: dict | None = None) -> list[dict]:
    result = await api.gql(USERS, {"f": filter}, as_=viewer)
    assert "errors" not in result, result
    return [edge["node"] for edge in result["data"]["users"]["edges"]]


@pytest.fixture
async def town(api: Api) -> dict[str, Person]:
    return {
        "wang": await named(api, await api.person(), "王大山"),
        "li": await named(api, await api.person(village="三元朱村"), "李秀英"),
        "zhao": await named(api, await api.person(village="东斟灌村"), "赵四"),
        "admin": await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI),
        "other_admin": await api.person(Role.TOWNSHIP_ADMIN, scope=LUOCHENG),
        "county": await api.person(Role.PLATFORM_ADMIN, scope=SHOUGUANG),
        "expert": await api.person(Role.EXPERT),
    }


async def test_a_township_admin_finds_the_people_of_its_township_only(
    api: Api, town: dict[str, Person]
) -> None:
    people = await found(api, town["admin"])
    phones = {p["phone"] for p in people}
    assert town["wang"].phone in phones and town["li"].phone in phones  # unmasked
    assert town["zhao"].phone not in phones and not any("*" in p for p in phones)
    everyone = {p["phone"] for p in await found(api, town["county"])}
    assert {town["wang"].phone, town["zhao"].phone} <= everyone


async def test_a_whole_phone_or_the_start_of_a_name_finds_a_person(
    api: Api, town: dict[str, Person]
) -> None:
    by_phone = await found(api, town["county"], {"text": town["zhao"].phone})
    assert [p["name"] for p in by_phone] == ["赵四"]
    by_name = await found(api, town["admin"], {"text": "李秀"})
    assert [p["name"] for p in by_name] == ["李秀英"]
    assert await found(api, town["admin"], {"text": ".*"}) == []  # not a pattern
    admins = await found(api, town["county"], {"role": "TOWNSHIP_ADMIN"})
    assert {p["role"] for p in admins} == {"TOWNSHIP_ADMIN"} and len(admins) == 2
    village = await found(api, town["admin"], {"regionId": village_id("孙家集村")})
    assert {p["village"]["name"] for p in village} == {"孙家集村"}


@pytest.mark.parametrize(
    ("who", "region", "code"),
    [
        (None, None, "UNAUTHENTICATED"),
        ("wang", None, "FORBIDDEN"),
        ("expert", None, "FORBIDDEN"),
        ("admin", LUOCHENG, "FORBIDDEN"),  # another township
        ("other_admin", SUNJIAJI, "FORBIDDEN"),
        ("admin", "999999999999", "BAD_USER_INPUT"),  # no such region
    ],
)
async def test_who_may_not_list_people(
    api: Api, town: dict[str, Person], who: str | None, region: str | None, code: str
) -> None:
    filter = {"regionId": region_id(region)} if region else None
    result = await api.gql(USERS, {"f": filter}, as_=town[who] if who else None)
    assert result["data"] is None and codes(result) == [code]


async def test_search_text_that_looks_like_an_operator_is_refused(
    api: Api, town: dict[str, Person]
) -> None:
    result = await api.gql(USERS, {"f": {"text": "$where"}}, as_=town["admin"])
    assert codes(result) == ["BAD_USER_INPUT"]


async def test_people_cost_the_same_commands_for_5_and_50(
    api: Api, town: dict[str, Person]
) -> None:
    await api.gql(USERS, {"n": 5}, as_=town["county"])  # the process keeps the viewer
    tallies = []
    for size in (5, 50):
        with count_commands() as tally:
            result = await api.gql(USERS, {"n": size}, as_=town["county"])
        assert result["data"]["users"]["totalCount"] == 7
        tallies.append(tally.names)
    # session, the page and its count (count_documents is an aggregate)
    assert tallies[0] == tallies[1] == ["find", "find", "aggregate"]


async def test_reported_listings_reach_the_admins_of_their_township_with_reasons(
    api: Api, town: dict[str, Person]
) -> None:
    listing = await create_listing(api, town["wang"], title="便宜大蒜")
    await create_listing(api, town["li"], title="没人举报的")
    for reporter, reason in ((town["li"], "价格虚高"), (town["zhao"], "照片不是实物")):
        result = await api.gql(
            REPORT, {"i": {"listingId": listing["id"], "reason": reason}}, as_=reporter
        )
        assert result["data"]["reportListing"]["userErrors"] == []
    seen = await api.gql(REPORTS, as_=town["admin"])
    (node,) = [edge["node"] for edge in seen["data"]["listingReports"]["edges"]]
    assert node["listing"]["title"] == "便宜大蒜" and node["reportCount"] == 2
    assert [r["reason"] for r in node["reports"]] == ["照片不是实物", "价格虚高"]
    assert {r["reporter"]["name"] for r in node["reports"]} == {"李秀英", "赵四"}
    other = await api.gql(REPORTS, as_=town["other_admin"])
    assert other["data"]["listingReports"]["edges"] == []
    for who, code in (("wang", "FORBIDDEN"), ("expert", "FORBIDDEN")):
        assert codes(await api.gql(REPORTS, as_=town[who])) == [code]
