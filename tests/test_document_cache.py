"""A document seen before is neither parsed nor validated again; what depends on its
variables (text lengths, `first`) is still checked on every request."""

import uuid

from tests.factories import Api, codes

PARSED = 'sannong_graphql_documents_total{work="parsed"}'
VALIDATED = 'sannong_graphql_documents_total{work="validated"}'


def named(body: str) -> str:
    """A document no other test sends, so the cache has not seen it."""
    return f"query Q{uuid.uuid4().hex} {body}"


async def work(api: Api) -> tuple[float, float]:
    return await api.metric(PARSED), await api.metric(VALIDATED)


async def test_a_repeated_document_is_neither_parsed_nor_validated_again(api: Api) -> None:
    query = named("($level: RegionLevel) { regions(level: $level) { id name } }")
    before = await work(api)
    first = await api.gql(query, {"level": "TOWNSHIP"})
    after_first = await work(api)
    second = await api.gql(query, {"level": "VILLAGE"})
    third = await api.gql(query, {"level": "TOWNSHIP"})
    assert "errors" not in first and "errors" not in second
    assert third["data"] == first["data"] and second["data"] != first["data"]
    assert after_first == (before[0] + 1, before[1] + 1)
    assert await work(api) == after_first

    await api.gql(named("{ regions { id } }"))  # another text is work again
    assert await work(api) == (after_first[0] + 1, after_first[1] + 1)


async def test_a_refused_document_stays_refused_without_new_work(api: Api) -> None:
    query = named("{ regions { id nosuchfield } }")
    for _ in range(2):
        response = await api.post(query)
        assert response.status_code == 400 and codes(response.json()) == ["BAD_USER_INPUT"]
    before = await work(api)
    await api.post(query)
    assert await work(api) == before


async def test_variable_text_is_checked_on_every_request(api: Api) -> None:
    query = named("($text: String!) { search(text: $text) { title } }")
    assert "errors" not in await api.gql(query, {"text": "玉米"})
    response = await api.post(query, {"text": "虫" * 600})
    assert response.status_code == 400 and codes(response.json()) == ["BAD_USER_INPUT"]
    assert "errors" not in await api.gql(query, {"text": "水稻"})


async def test_cost_follows_the_first_variable_of_a_cached_document(api: Api) -> None:
    query = named(
        "($n: Int) { listings(first: $n) { edges { node { seller { name } photos { url } } } } }"
    )
    small = await api.gql(query, {"n": 5})
    large = await api.gql(query, {"n": 100})
    again = await api.gql(query, {"n": 5})
    assert small["extensions"]["cost"]["requested"] == 1 + 5 * 4
    assert large["extensions"]["cost"]["requested"] == 1 + 100 * 4
    assert again["extensions"]["cost"] == small["extensions"]["cost"]


async def test_a_literal_too_long_is_refused_every_time(api: Api) -> None:
    query = named('{ search(text: "' + "虫" * 600 + '") { title } }')
    for _ in range(2):
        response = await api.post(query)
        assert response.status_code == 400 and codes(response.json()) == ["BAD_USER_INPUT"]
