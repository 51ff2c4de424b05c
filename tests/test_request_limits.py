"""Hostile documents are refused before the standard rules or any resolver see them."""

from sannong.api.input_limits import TEXT_MAXIMA, text_positions
from sannong.api.schema import build_schema
from tests.conftest import settings_for_tests
from tests.factories import Api, codes, village_id


def exponential_fragments(k: int) -> str:
    """`F2 { ...F1 ...F1 }`, `F3 { ...F2 ...F2 }` …: 2^k fields from a few hundred bytes."""
    fragments = ["fragment F1 on Region { id name }"] + [
        f"fragment F{i} on Region {{ ...F{i - 1} ...F{i - 1} }}" for i in range(2, k + 1)
    ]
    return f"{{ regions {{ ...F{k} }} }} " + " ".join(fragments)


async def refusal(api: Api, query: str, variables: dict | None = None) -> dict:
    response = await api.http.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 400, response.text
    body = response.json()
    assert "data" not in body
    return body


async def test_exponential_fragments_are_refused_as_too_complex(api: Api) -> None:
    # 2^40 fields: walking every spread, as the limits once did, would never finish.
    body = await refusal(api, exponential_fragments(40))
    assert codes(body) == ["QUERY_TOO_COMPLEX"]


async def test_nested_exponential_fragments_are_refused(api: Api) -> None:
    fragments = ["fragment F1 on Region { id }"] + [
        f"fragment F{i} on Region {{ a: children {{ ...F{i - 1} }} b: parent {{ ...F{i - 1} }} }}"
        for i in range(2, 41)
    ]
    body = await refusal(api, "{ regions { ...F40 } } " + " ".join(fragments))
    assert codes(body) == ["QUERY_TOO_COMPLEX"]


async def test_a_fragment_spread_twice_is_measured_once_per_spread(api: Api) -> None:
    fragment = "fragment R on Region { name children { name } }"
    result = await api.gql("{ a: regions { ...R } b: regions { ...R } } " + fragment)
    assert "errors" not in result
    assert result["extensions"]["cost"]["requested"] == 4  # 2 × (regions + children)


async def test_aliases_are_counted_after_fragments_are_expanded(api: Api) -> None:
    fragment = "fragment A on Region { " + " ".join(f"a{n}: name" for n in range(11)) + " }"
    spread_three_times = "{ x: regions { ...A } y: regions { ...A } z: regions { ...A } }"
    body = await refusal(api, spread_three_times + " " + fragment)  # 3 + 33 aliases > 30
    assert codes(body) == ["QUERY_TOO_COMPLEX"]
    assert "别名" in body["errors"][0]["message"]
    once = await api.gql("{ x: regions { ...A } } " + fragment)
    assert "errors" not in once


async def test_one_field_repeated_950_times_is_refused(api: Api) -> None:
    body = await refusal(api, "{ " + "regions { id } " * 950 + "}")
    assert codes(body) == ["QUERY_TOO_COMPLEX"]


async def test_repeats_inside_the_field_limit_are_refused_too(api: Api) -> None:
    # 8 copies of `children`, each with 8 copies: the merge rule compares 8×8 fields below.
    inner = " ".join(["children { id }"] * 8)
    body = await refusal(api, "{ regions { " + " ".join([f"children {{ {inner} }}"] * 8) + " } }")
    assert codes(body) == ["QUERY_TOO_COMPLEX"]
    assert "重复" in body["errors"][0]["message"]


async def test_a_few_repeated_fields_as_fragments_make_them_are_accepted(api: Api) -> None:
    fragments = " ".join(f"fragment F{n} on Region {{ __typename id name }}" for n in range(6))
    spreads = " ".join(f"...F{n}" for n in range(6))
    result = await api.gql(f"{{ regions {{ __typename id {spreads} }} }} {fragments}")
    assert "errors" not in result


async def test_fields_are_counted_after_fragments_are_expanded(api: Api) -> None:
    # Each region with its children and its parent, ten levels down: 3 068 distinct
    # fields from 20 short fragments, none repeated, cheap by cost (a list without
    # `first` costs 1).
    fragments = ["fragment T1 on Region { id name }"] + [
        f"fragment T{i} on Region {{ id name children {{ ...T{i - 1} }} parent {{ ...T{i - 1} }} }}"
        for i in range(2, 11)
    ]
    body = await refusal(api, "{ regions { ...T10 } } " + " ".join(fragments))
    assert codes(body) == ["QUERY_TOO_COMPLEX"]
    assert "字段" in body["errors"][0]["message"]


async def test_over_long_search_text_is_refused_before_any_work(api: Api) -> None:
    query = "query($t: String) { listings(filter: { text: $t }) { totalCount } }"
    body = await refusal(api, query, {"t": "玉米" * 150_000})
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["message"] == "text 过长，最多 500 个字符"
    assert body["errors"][0]["extensions"]["field"] == "text"


async def test_over_long_text_written_into_the_document_is_refused(api: Api) -> None:
    query = '{ search(text: "' + "虫" * 600 + '") { title } }'
    body = await refusal(api, query)
    assert codes(body) == ["BAD_USER_INPUT"]
    number = "{ listings(filter: { minPrice: " + "9" * 5000 + " }) { totalCount } }"
    body = await refusal(api, number)  # a decimal is text to parse, too
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "minPrice"}


async def test_over_long_text_inside_a_list_of_inputs_is_refused(api: Api) -> None:
    query = """mutation($i: ReportPricesInput!) { reportPrices(input: $i) {
      userErrors { code } } }"""
    row = {"commodityId": "x", "marketId": "y", "date": "2026-05-01", "low": "1", "avg": "1",
           "high": "1", "unit": "斤" * 200}  # fmt: skip
    body = await refusal(api, query, {"i": {"rows": [row], "source": "测试"}})
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "unit"


async def test_an_over_long_id_is_refused(api: Api) -> None:
    body = await refusal(api, "query($id: ID!) { node(id: $id) { id } }", {"id": "A" * 5000})
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_text_just_within_the_rule_still_gets_its_friendly_user_error(api: Api) -> None:
    result = await api.gql(
        """mutation($i: RegisterInput!) { register(input: $i) { userErrors { field code } } }""",
        {
            "i": {
                "phone": "13812345678",
                "password": "abc12345x",
                "name": "王" * 21,
                "villageId": village_id("三元朱村"),
            }
        },
    )
    assert result["data"]["register"]["userErrors"] == [{"field": "name", "code": "TOO_LONG"}]


def test_every_text_argument_and_input_field_declares_its_maximum() -> None:
    schema = build_schema(settings_for_tests())._schema
    positions = set(text_positions(schema))
    assert positions - TEXT_MAXIMA.keys() == set(), "declare these in api/input_limits.py"
    assert TEXT_MAXIMA.keys() - positions == set(), "these are no longer in the schema"
