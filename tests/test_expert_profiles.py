"""Expert profiles: an expert writes their own; farmers find experts by specialty and by
region served; lists cost the same database commands for 10 and 100 items."""

from datetime import timedelta

from bson import ObjectId

from sannong.auth import Role
from sannong.clock import now
from sannong.db.client import count_commands
from sannong.rules.consultations import slot_document
from tests.experts import PROFILE, SHOUGUANG, expert, expert_id, key_of
from tests.factories import LUOCHENG, Api, codes, region_id, village_id

EXPERTS = """query($s: Specialty, $r: ID, $n: Int) { experts(specialty: $s, regionId: $r,
    first: $n) { totalCount edges { node { id name specialties organization
    rating { average count } regions { id } } } } }"""


async def test_an_expert_writes_a_profile_and_farmers_find_it(api: Api) -> None:
    li = await expert(api, ("PLANT_PROTECTION", "SOIL_FERTILIZER"))
    vet = await expert(api, ("LIVESTOCK",), (LUOCHENG,))
    found = await api.gql(EXPERTS, {"s": "SOIL_FERTILIZER"})
    (edge,) = found["data"]["experts"]["edges"]
    assert edge["node"]["name"] == "测试用户" and edge["node"]["rating"] is None
    assert edge["node"]["regions"] == [{"id": region_id(SHOUGUANG)}]
    # A village in 寿光市 is served by the expert of 寿光市; 洛城街道's vet serves only there.
    near = await api.gql(EXPERTS, {"r": village_id("孙家集村")})
    assert [e["node"]["id"] for e in near["data"]["experts"]["edges"]] == [edge["node"]["id"]]
    luocheng = await api.gql(EXPERTS, {"r": village_id("东斟灌村")})
    assert luocheng["data"]["experts"]["totalCount"] == 2
    changed = await api.gql(PROFILE, {"i": {"bio": "改过的简介"}}, as_=li)
    assert changed["data"]["updateExpertProfile"]["expert"]["bio"] == "改过的简介"
    assert changed["data"]["updateExpertProfile"]["expert"]["specialties"] == [
        "PLANT_PROTECTION",
        "SOIL_FERTILIZER",
    ]
    assert vet.role is Role.EXPERT


async def test_only_experts_keep_a_profile_and_a_first_one_needs_specialty_and_region(
    api: Api,
) -> None:
    farmer = await api.person()
    assert codes(await api.gql(PROFILE, {"i": {"bio": "我是专家"}}, as_=farmer)) == ["FORBIDDEN"]
    assert codes(await api.gql(PROFILE, {"i": {"bio": "我是专家"}})) == ["UNAUTHENTICATED"]
    newcomer = await api.person(Role.EXPERT)
    first = await api.gql(PROFILE, {"i": {"organization": "农科院"}}, as_=newcomer)
    fields = [e["field"] for e in first["data"]["updateExpertProfile"]["userErrors"]]
    assert fields == ["specialties", "regionIds"]
    fields_ = {"organization": "农科院", "specialties": ["MACHINERY"]}
    unknown = await api.gql(
        PROFILE, {"i": fields_ | {"regionIds": [region_id("379999999999")]}}, as_=newcomer
    )
    assert [e["code"] for e in unknown["data"]["updateExpertProfile"]["userErrors"]] == [
        "UNKNOWN_REGION"
    ]
    fine = await api.gql(
        PROFILE, {"i": fields_ | {"regionIds": [region_id(SHOUGUANG)]}}, as_=newcomer
    )
    assert fine["data"]["updateExpertProfile"]["userErrors"] == []
    assert await api.db.experts.count_documents({}) == 1


async def test_experts_and_slots_cost_the_same_commands_for_10_and_100(api: Api) -> None:
    li = await expert(api)
    user = await api.db.users.find_one({"phone": li.phone})
    assert user is not None
    at = now()
    people, profiles, slots = [], [], []
    for n in range(100):
        user_id = ObjectId()
        people.append(user | {"_id": user_id, "phone": f"1370000{n:04d}"})
        profile = await api.db.experts.find_one({"_id": user["_id"]})
        assert profile is not None
        profiles.append(profile | {"_id": user_id})
        start = at + timedelta(days=1, hours=n)
        slots.append(slot_document(expert_id=user_id, starts_at=start, minutes=30, at=at))
    for start in range(0, 100, 50):
        await api.db.users.insert_many(people[start : start + 50])
        await api.db.experts.insert_many(profiles[start : start + 50])
        await api.db.consultation_slots.insert_many(slots[start : start + 50])
    experts_query = """query($n: Int) { experts(first: $n) { edges { node {
        name specialties regions { name } rating { average } } } } }"""
    slots_query = """query($n: Int) { consultationSlots(first: $n) { edges { node {
        startsAt expert { name title } } } } }"""
    for query, field, expected in (
        (experts_query, "experts", ["find"]),  # profiles; users and regions: the process's
        (slots_query, "consultationSlots", ["find"]),  # slots; profiles and users likewise
    ):
        await api.gql(query, {"n": 100})  # the process keeps the experts and their names
        tallies = []
        for size in (10, 100, 10):
            with count_commands() as tally:
                result = await api.gql(query, {"n": size})
            assert len(result["data"][field]["edges"]) == size, result
            tallies.append(tally.names)
        assert tallies == [expected] * 3, field
    assert key_of(li.id) == user["_id"]


MY_PROFILE = "{ myExpertProfile { id title rating { count } } }"


async def test_an_expert_finds_their_own_profile_and_nobody_else_gets_one(api: Api) -> None:
    teacher = await expert(api)
    mine = (await api.gql(MY_PROFILE, as_=teacher))["data"]["myExpertProfile"]
    assert mine == {"id": expert_id(teacher), "title": "高级农艺师", "rating": None}
    farmer = await api.person()
    assert (await api.gql(MY_PROFILE, as_=farmer))["data"]["myExpertProfile"] is None
    assert codes(await api.gql(MY_PROFILE)) == ["UNAUTHENTICATED"]
