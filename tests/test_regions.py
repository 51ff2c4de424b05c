from sannong.db.client import count_commands
from tests.factories import Api, region_id


async def test_provinces_are_the_default_answer(api: Api) -> None:
    result = await api.gql("{ regions { name level code } }")
    assert result["data"]["regions"] == [
        {"name": "山东省", "level": "PROVINCE", "code": "370000000000"}
    ]


async def test_children_of_a_county_are_its_townships(api: Api) -> None:
    result = await api.gql(
        "query($p: ID) { regions(parentId: $p) { name level } }", {"p": region_id("370783000000")}
    )
    assert [r["name"] for r in result["data"]["regions"]] == ["洛城街道", "孙家集街道", "纪台镇"]
    assert {r["level"] for r in result["data"]["regions"]} == {"TOWNSHIP"}


async def test_villages_of_a_city_subtree(api: Api) -> None:
    result = await api.gql(
        "query($p: ID) { regions(parentId: $p, level: VILLAGE) { name } }",
        {"p": region_id("370700000000")},
    )
    assert len(result["data"]["regions"]) == 30
    all_villages = await api.gql("{ regions(level: VILLAGE) { name } }")
    assert len(all_villages["data"]["regions"]) == 45


async def test_node_resolves_a_region_with_its_path(api: Api) -> None:
    result = await api.gql(
        """query($id: ID!) { node(id: $id) { ... on Region { name fullName
             parent { name } path { level } } } }""",
        {"id": region_id("370783003201")},
    )
    node = result["data"]["node"]
    assert node["name"] == "三元朱村"
    assert node["fullName"] == "山东省潍坊市寿光市孙家集街道三元朱村"
    assert node["parent"] == {"name": "孙家集街道"}
    assert [p["level"] for p in node["path"]] == [
        "PROVINCE",
        "CITY",
        "COUNTY",
        "TOWNSHIP",
        "VILLAGE",
    ]


async def test_unknown_node_is_null(api: Api) -> None:
    result = await api.gql("query($id: ID!) { node(id: $id) { id } }", {"id": region_id("999")})
    assert result["data"]["node"] is None


async def test_region_tree_loads_one_batch_per_level(api: Api) -> None:
    query = "{ regions { children { children { children { name parent { name } } } } } }"
    with count_commands() as tally:
        result = await api.gql(query)
    townships = [t for c in result["data"]["regions"][0]["children"] for t in c["children"]]
    assert len(townships) == 3
    # provinces, then children per level (3 levels), then parents of the last level: 5 finds
    assert tally.names == ["find"] * 5
