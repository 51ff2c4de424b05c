"""The platform admin adds regions to its subtree and renames them: coded refusals that
change nothing, every process's copies dropped, each change in the audit log."""

import asyncio
from typing import Any

import pytest

from sannong.auth import Role
from sannong.seed.regions import village_code
from tests.factories import LUOCHENG, PROVINCE, SUNJIAJI, Api, Person, codes, region_id
from tests.notices import AUDIT

SHOUGUANG = "370783000000"  # 寿光市, the county of 孙家集街道 and 洛城街道
QINGZHOU = "370781000000"  # 青州市, another county

CREATE = """mutation($i: CreateRegionInput!) { createRegion(input: $i) {
    region { id code name level fullName parent { code } }
    userErrors { field message code } } }"""
RENAME = """mutation($i: RenameRegionInput!) { renameRegion(input: $i) {
    region { id name } userErrors { field message code } } }"""
CHILDREN = "query($p: ID) { regions(parentId: $p) { code name level } }"
NODE = "query($id: ID!) { node(id: $id) { ... on Region { name fullName } } }"


async def create(
    api: Api, actor: Person | None, parent: str, code: str, name: str
) -> dict[str, Any]:
    return await api.gql(
        CREATE, {"i": {"parentId": region_id(parent), "code": code, "name": name}}, as_=actor
    )


async def rename(api: Api, actor: Person | None, code: str, name: str) -> dict[str, Any]:
    return await api.gql(RENAME, {"i": {"id": region_id(code), "name": name}}, as_=actor)


def errors_of(result: dict[str, Any], field: str) -> list[dict[str, Any]]:
    assert "errors" not in result, result
    return result["data"][field]["userErrors"]


@pytest.fixture
async def platform(api: Api) -> Person:
    return await api.person(Role.PLATFORM_ADMIN, scope=PROVINCE, village="屯田村")


# -- who may -------------------------------------------------------------------------

ACTORS = ["anonymous", "farmer", "expert", "township_admin", "platform_admin"]
OK, FORBIDDEN, UNAUTHENTICATED = "ok", "FORBIDDEN", "UNAUTHENTICATED"
ONLY_PLATFORM = dict.fromkeys(ACTORS, FORBIDDEN) | {
    "anonymous": UNAUTHENTICATED,
    "platform_admin": OK,
}


async def cast(api: Api) -> dict[str, Person | None]:
    return {
        "anonymous": None,
        "farmer": await api.person(village="三元朱村"),
        "expert": await api.person(Role.EXPERT, village="三元朱村"),
        "township_admin": await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI),
        "platform_admin": await api.person(Role.PLATFORM_ADMIN, scope=PROVINCE),
    }


@pytest.mark.parametrize("operation", ["createRegion", "renameRegion"])
async def test_only_a_platform_admin_changes_the_tree(api: Api, operation: str) -> None:
    people = await cast(api)
    seen = {}
    for n, actor in enumerate(ACTORS):
        if operation == "createRegion":  # a village of the township admin's own township
            result = await create(api, people[actor], SUNJIAJI, f"370783003{310 + n}", f"新{n}村")
        else:
            result = await rename(api, people[actor], village_code("胡营村"), f"胡营{n}村")
        seen[actor] = codes(result)[0] if result.get("errors") else OK
        if seen[actor] == OK:
            assert errors_of(result, operation) == []
    assert seen == ONLY_PLATFORM
    villages = await api.gql(CHILDREN, {"p": region_id(SUNJIAJI)})
    names = {r["name"] for r in villages["data"]["regions"]}
    added = {f"新{n}村" for n in range(4)} | {f"胡营{n}村" for n in range(4)}
    assert not names & added  # the refused changed nothing
    assert ("新4村" if operation == "createRegion" else "胡营4村") in names


async def test_a_county_platform_admin_changes_nothing_outside_its_county(api: Api) -> None:
    county = await api.person(Role.PLATFORM_ADMIN, scope=QINGZHOU, village="王坟村")
    assert codes(await create(api, county, SUNJIAJI, "370783003310", "新村")) == [FORBIDDEN]
    assert codes(await rename(api, county, village_code("胡营村"), "新村")) == [FORBIDDEN]
    assert codes(await create(api, county, "370700000000", "370799000000", "新县")) == [
        FORBIDDEN  # its own city lies above its county
    ]
    inside = await create(api, county, "370781102000", "370781102299", "新村")
    assert errors_of(inside, "createRegion") == []


# -- what a new region is ----------------------------------------------------------------


async def test_a_new_region_is_one_level_below_its_parent_and_shown_at_once(
    api: Api, platform: Person
) -> None:
    await api.gql(CHILDREN, {"p": region_id(SHOUGUANG)})
    township = await create(api, platform, SHOUGUANG, "370783104000", "稻田镇")
    assert errors_of(township, "createRegion") == []
    assert township["data"]["createRegion"]["region"] == {
        "id": region_id("370783104000"),
        "code": "370783104000",
        "name": "稻田镇",
        "level": "TOWNSHIP",
        "fullName": "山东省潍坊市寿光市稻田镇",
        "parent": {"code": SHOUGUANG},
    }
    village = await create(api, platform, "370783104000", " 370783104201 ", " 王家庄村 ")
    assert village["data"]["createRegion"]["region"]["level"] == "VILLAGE"
    assert village["data"]["createRegion"]["region"]["name"] == "王家庄村"
    children = await api.gql(CHILDREN, {"p": region_id(SHOUGUANG)})
    assert {"code": "370783104000", "name": "稻田镇", "level": "TOWNSHIP"} in children["data"][
        "regions"
    ]
    stored = await api.db.regions.find_one({"_id": "370783104201"})
    assert stored == {
        "_id": "370783104201",
        "name": "王家庄村",
        "level": "VILLAGE",
        "parentId": "370783104000",
        "path": [PROVINCE, "370700000000", SHOUGUANG, "370783104000", "370783104201"],
    }


async def test_a_farmer_can_register_in_a_new_village(api: Api, platform: Person) -> None:
    await create(api, platform, SUNJIAJI, "370783003299", "新建村")
    result = await api.gql(
        """mutation($i: RegisterInput!) { register(input: $i) {
             user { village { fullName } } userErrors { code } } }""",
        {
            "i": {
                "phone": "13712345678",
                "password": "abc12345x",
                "name": "新村民",
                "villageId": region_id("370783003299"),
            }
        },
    )
    assert result["data"]["register"] == {
        "user": {"village": {"fullName": "山东省潍坊市寿光市孙家集街道新建村"}},
        "userErrors": [],
    }


# -- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parent", "code", "name", "field", "error"),
    [
        (SUNJIAJI, "37078300320", "新村", "code", "INVALID_REGION_CODE"),  # 11 digits
        (SUNJIAJI, "37078300320a", "新村", "code", "INVALID_REGION_CODE"),
        (SUNJIAJI, "370783003２９９", "新村", "code", "INVALID_REGION_CODE"),  # full-width
        (SUNJIAJI, "370783002299", "新村", "code", "INVALID_REGION_CODE"),  # 洛城街道's prefix
        (SUNJIAJI, "370783003000", "新村", "code", "INVALID_REGION_CODE"),  # own digits all 0
        (SHOUGUANG, "370783104001", "新镇", "code", "INVALID_REGION_CODE"),  # not ending in 0
        (SUNJIAJI, village_code("胡营村"), "新村", "code", "REGION_CODE_TAKEN"),
        (SUNJIAJI, "370783003299", "", "name", "REQUIRED"),
        (SUNJIAJI, "370783003299", "长" * 21, "name", "TOO_LONG"),
        (SUNJIAJI, "370783003299", "新村<b>", "name", "INVALID_REGION_NAME"),
        (SUNJIAJI, "370783003299", "新 村", "name", "INVALID_REGION_NAME"),
        (SUNJIAJI, "370783003299", "$where", "name", "INVALID"),
        (SUNJIAJI, "370783003299", "三元朱村", "name", "REGION_NAME_TAKEN"),
        (village_code("胡营村"), "370783003299", "新村", "parentId", "NO_LOWER_LEVEL"),
        ("370783999000", "370783999201", "新村", "parentId", "UNKNOWN_REGION"),
    ],
)
async def test_bad_input_is_refused_with_a_reason_and_changes_nothing(
    api: Api, platform: Person, parent: str, code: str, name: str, field: str, error: str
) -> None:
    before = await api.db.regions.count_documents({})
    result = await create(api, platform, parent, code, name)
    refused = errors_of(result, "createRegion")
    assert [(e["field"], e["code"]) for e in refused] == [(field, error)]
    assert refused[0]["message"] and result["data"]["createRegion"]["region"] is None
    assert await api.db.regions.count_documents({}) == before


async def test_every_problem_of_one_input_is_told_at_once(api: Api, platform: Person) -> None:
    result = await create(api, platform, SUNJIAJI, "370783002299", "")
    assert [e["field"] for e in errors_of(result, "createRegion")] == ["code", "name"]
    reason = errors_of(result, "createRegion")[0]["message"]
    assert reason == "区划代码应以上级代码的前 9 位 370783003 开头"


@pytest.mark.parametrize(
    ("name", "error"),
    [("三元朱村", "REGION_NAME_TAKEN"), ("", "REQUIRED"), ("村" * 21, "TOO_LONG")],
)
async def test_a_bad_new_name_is_refused_and_the_old_one_stays(
    api: Api, platform: Person, name: str, error: str
) -> None:
    result = await rename(api, platform, village_code("胡营村"), name)
    assert [e["code"] for e in errors_of(result, "renameRegion")] == [error]
    node = await api.gql(NODE, {"id": region_id(village_code("胡营村"))})
    assert node["data"]["node"]["name"] == "胡营村"


async def test_a_name_is_unique_among_siblings_only(api: Api, platform: Person) -> None:
    # 屯田村 is a village of 洛城街道: 孙家集街道 may have one of that name too
    same_elsewhere = await rename(api, platform, village_code("胡营村"), "屯田村")
    assert errors_of(same_elsewhere, "renameRegion") == []
    unchanged = await rename(api, platform, village_code("胡营村"), "屯田村")
    assert errors_of(unchanged, "renameRegion") == []


async def test_two_admins_adding_the_same_name_at_once_get_one_region(
    api: Api, platform: Person
) -> None:
    other = await api.person(Role.PLATFORM_ADMIN, scope=SHOUGUANG)
    results = await asyncio.gather(
        create(api, platform, SUNJIAJI, "370783003298", "同名村"),
        create(api, other, SUNJIAJI, "370783003299", "同名村"),
    )
    outcomes = sorted(
        tuple(e["code"] for e in errors_of(result, "createRegion")) for result in results
    )
    assert outcomes == [(), ("REGION_NAME_TAKEN",)]
    assert await api.db.regions.count_documents({"parentId": SUNJIAJI, "name": "同名村"}) == 1


# -- every process sees the change ---------------------------------------------------------


async def test_a_renamed_region_is_shown_by_its_new_name_without_a_restart(
    api: Api, platform: Person
) -> None:
    village = village_code("胡营村")
    before = await api.gql(NODE, {"id": region_id(village)})  # now kept by the process
    assert before["data"]["node"]["fullName"] == "山东省潍坊市寿光市孙家集街道胡营村"
    await rename(api, platform, SUNJIAJI, "孙家集镇")
    await rename(api, platform, village, "胡家营村")
    after = await api.gql(NODE, {"id": region_id(village)})
    assert after["data"]["node"] == {
        "name": "胡家营村",
        "fullName": "山东省潍坊市寿光市孙家集镇胡家营村",
    }
    listed = await api.gql(CHILDREN, {"p": region_id(SUNJIAJI)})
    assert "胡家营村" in {r["name"] for r in listed["data"]["regions"]}
    # the other processes hear of it on the event feed and drop their copies too
    heard = await api.db.events.find(
        {"topic": "reference", "audience": "regions"}, sort=[("_id", 1)]
    ).to_list()
    assert [event["ids"] for event in heard[-2:]] == [[SUNJIAJI], [village]]


async def test_a_farmers_village_shows_its_new_name(api: Api, platform: Person) -> None:
    farmer = await api.person(village="胡营村")
    me = "{ me { village { name fullName } } }"
    assert (await api.gql(me, as_=farmer))["data"]["me"]["village"]["name"] == "胡营村"
    await rename(api, platform, village_code("胡营村"), "胡家营村")
    shown = (await api.gql(me, as_=farmer))["data"]["me"]["village"]
    assert shown == {"name": "胡家营村", "fullName": "山东省潍坊市寿光市孙家集街道胡家营村"}


# -- the audit log -----------------------------------------------------------------------


async def test_changes_and_refusals_are_in_the_audit_log(api: Api, platform: Person) -> None:
    township = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    await create(api, platform, SUNJIAJI, "370783003299", "新建村")
    await rename(api, platform, "370783003299", "新建一村")
    await create(api, platform, SUNJIAJI, "370783002299", "坏代码村")
    await rename(api, township, village_code("胡营村"), "胡家营村")
    result = await api.gql(AUDIT, {"f": {"regionId": region_id(SUNJIAJI)}, "n": 10}, as_=platform)
    entries = [edge["node"] for edge in result["data"]["auditLog"]["edges"]]
    assert [(e["action"], e["outcome"], e["code"]) for e in entries] == [
        ("RENAME_REGION", "REFUSED", "FORBIDDEN"),  # a township admin renames nothing
        ("CREATE_REGION", "REFUSED", "INVALID_REGION_CODE"),
        ("RENAME_REGION", "DONE", None),
        ("CREATE_REGION", "DONE", None),
    ]
    created, renamed = entries[3], entries[2]
    assert created["targetId"] == region_id("370783003299") and created["detail"] == "新建村"
    assert created["region"] == {"code": "370783003299"}
    assert created["actor"] == {"id": platform.id} and created["actorRole"] == "PLATFORM_ADMIN"
    assert renamed["detail"] == "新建村 → 新建一村"
    assert entries[1]["region"] == {"code": SUNJIAJI}  # refused: logged on the parent
    elsewhere = await api.gql(AUDIT, {"f": {"regionId": region_id(LUOCHENG)}}, as_=platform)
    assert elsewhere["data"]["auditLog"]["edges"] == []
