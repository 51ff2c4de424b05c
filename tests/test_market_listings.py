from typing import Any

from bson import ObjectId

from sannong.auth import Role
from sannong.clock import now
from sannong.db.client import count_commands
from sannong.seed.regions import village_code
from tests.factories import LUOCHENG, SUNJIAJI, Api, Person, region_id, village_id
from tests.market import (
    CLOSE,
    CREATE,
    HIDE,
    REPORT,
    RESTORE,
    UPDATE,
    create_listing,
    listing_input,
)

BROWSE = """query($f: ListingFilter, $s: ListingSort, $n: Int, $a: String) {
    listings(filter: $f, sort: $s, first: $n, after: $a) {
      edges { node { title price commodity seller { name } thumbnailUrl } }
      pageInfo { hasNextPage endCursor } totalCount } }"""


async def browse(api: Api, as_: Person | None = None, **variables: Any) -> dict[str, Any]:
    result = await api.gql(BROWSE, variables, as_=as_)
    assert "errors" not in result, result
    return result["data"]["listings"]


def titles(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["title"] for edge in connection["edges"]]


async def insert_listings(api: Api, seller: Person, count: int) -> None:
    """Many listings at once, straight into the database, each with a photo."""
    user = await api.db.users.find_one({"phone": seller.phone})
    assert user is not None
    village = village_code("孙家集村")
    docs = [
        {
            "_id": ObjectId(),
            "sellerId": user["_id"],
            "commodity": "黄瓜",
            "category": "VEGETABLE",
            "title": f"黄瓜 {n}",
            "description": "",
            "priceFen": 100 + n,
            "unit": "斤",
            "quantityAvailable": 10,
            "quantitySold": 0,
            "minOrder": 1,
            "regionId": village,
            "path": user["path"],
            "photos": [{"key": f"{n:032x}", "width": 10, "height": 10}],
            "status": "ACTIVE",
            "searchTokens": ["黄瓜"],
            "createdAt": now(),
            "updatedAt": now(),
        }
        for n in range(count)
    ]
    for start in range(0, count, 50):
        await api.db.listings.insert_many(docs[start : start + 50])


async def test_create_listing_stores_fen_and_answers_yuan(api: Api) -> None:
    seller = await api.person()
    listing = await create_listing(api, seller, price="3.5", quantity=500, unit="公斤")
    assert (listing["price"], listing["quantityAvailable"], listing["status"]) == (
        "3.50",
        500,
        "ACTIVE",
    )
    doc = await api.db.listings.find_one({"title": "自家种的大白菜"})
    assert doc is not None
    assert (doc["priceFen"], doc["regionId"]) == (350, village_code("孙家集村"))


async def test_zero_or_negative_price_and_quantity_are_refused(api: Api) -> None:
    seller = await api.person()
    for bad in (
        {"price": "0"},
        {"price": "-1"},
        {"price": "1.001"},
        {"quantity": 0},
        {"quantity": -5},
    ):
        result = await api.gql(CREATE, {"i": listing_input(**bad)}, as_=seller)
        errors = result["data"]["createListing"]["userErrors"]
        assert [e["field"] for e in errors] == list(bad), bad
    assert await api.db.listings.count_documents({}) == 0


async def test_price_sort_pages_with_keyset_cursors(api: Api) -> None:
    seller = await api.person()
    for price in ("3.00", "1.00", "2.00", "1.00", "5.00"):
        await create_listing(api, seller, price=price, title=f"白菜 {price}")
    first = await browse(api, s="PRICE_ASC", n=3)
    assert [e["node"]["price"] for e in first["edges"]] == ["1.00", "1.00", "2.00"]
    assert first["pageInfo"]["hasNextPage"] and first["totalCount"] == 5
    rest = await browse(api, s="PRICE_ASC", n=3, a=first["pageInfo"]["endCursor"])
    assert [e["node"]["price"] for e in rest["edges"]] == ["3.00", "5.00"]
    dearest = await browse(api, s="PRICE_DESC", n=2)
    assert [e["node"]["price"] for e in dearest["edges"]] == ["5.00", "3.00"]


async def test_filters_by_region_subtree_commodity_price_text_and_seller(api: Api) -> None:
    wang, li = await api.person(), await api.person(village="东斟灌村")
    await create_listing(api, wang, title="寿光大棚西红柿", commodity="西红柿", price="2.00")
    await create_listing(api, wang, title="新鲜大白菜", price="0.80")
    await create_listing(
        api,
        li,
        title="红富士苹果",
        commodity="苹果",
        price="4.00",
        villageId=village_id("东斟灌村"),
    )
    assert titles(await browse(api, f={"regionId": region_id(LUOCHENG)})) == ["红富士苹果"]
    assert len(titles(await browse(api, f={"regionId": region_id("370783000000")}))) == 3
    assert titles(await browse(api, f={"commodity": "西红柿"})) == ["寿光大棚西红柿"]
    assert titles(await browse(api, f={"minPrice": "1", "maxPrice": "3"})) == ["寿光大棚西红柿"]
    assert titles(await browse(api, f={"text": "西红柿"})) == ["寿光大棚西红柿"]
    assert titles(await browse(api, f={"text": "苹果"})) == ["红富士苹果"]
    assert titles(await browse(api, f={"sellerId": li.id})) == ["红富士苹果"]
    assert titles(await browse(api)) == ["红富士苹果", "新鲜大白菜", "寿光大棚西红柿"]


async def test_filter_values_never_become_operators(api: Api) -> None:
    seller = await api.person()
    await create_listing(api, seller)
    result = await api.gql(BROWSE, {"f": {"commodity": {"$ne": None}}})
    assert result["errors"]
    assert titles(await browse(api, f={"text": "$where"})) == []


async def test_listings_with_sellers_and_thumbnails_cost_the_same_commands_for_10_and_100(
    api: Api,
) -> None:
    seller = await api.person()
    await insert_listings(api, seller, 100)
    query = """query($n: Int) { listings(first: $n) { edges { node {
        title thumbnailUrl seller { name } region { name } } } } }"""
    await api.gql(query, {"n": 10})  # the process keeps the seller and the regions
    tallies = []
    for size in (10, 100, 10):
        with count_commands() as tally:
            result = await api.gql(query, {"n": size})
        assert len(result["data"]["listings"]["edges"]) == size
        assert result["data"]["listings"]["edges"][0]["node"]["thumbnailUrl"].startswith("/media/")
        tallies.append(tally.names)
    # the listings; sellers and regions are the process's
    assert tallies[0] == tallies[1] == tallies[2] == ["find"]


async def test_listing_phrases_help_people_who_find_typing_hard(api: Api) -> None:
    result = await api.gql("{ listingPhrases(category: FRUIT) }")
    phrases = result["data"]["listingPhrases"]
    assert "新鲜采摘，当天发货" in phrases and "坏果包赔" in phrases


async def test_seller_adds_stock_and_sold_out_listing_is_active_again(api: Api) -> None:
    seller = await api.person()
    listing = await create_listing(api, seller, quantity=5)
    down = await api.gql(UPDATE, {"i": {"listingId": listing["id"], "addQuantity": -5}}, as_=seller)
    assert down["data"]["updateListing"]["listing"]["status"] == "SOLD_OUT"
    too_far = await api.gql(
        UPDATE, {"i": {"listingId": listing["id"], "addQuantity": -1}}, as_=seller
    )
    assert too_far["data"]["updateListing"]["userErrors"][0]["code"] == "SOLD_OUT"
    up = await api.gql(
        UPDATE, {"i": {"listingId": listing["id"], "addQuantity": 20, "price": "1.50"}}, as_=seller
    )
    updated = up["data"]["updateListing"]["listing"]
    assert (updated["status"], updated["quantityAvailable"], updated["price"]) == (
        "ACTIVE",
        20,
        "1.50",
    )


async def test_editing_or_closing_someone_elses_listing_is_forbidden(api: Api) -> None:
    seller, other = await api.person(), await api.person()
    listing = await create_listing(api, seller)
    edit = await api.gql(UPDATE, {"i": {"listingId": listing["id"], "title": "我的"}}, as_=other)
    close = await api.gql(CLOSE, {"i": {"listingId": listing["id"]}}, as_=other)
    assert edit["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert close["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    doc = await api.db.listings.find_one({})
    assert doc is not None and (doc["title"], doc["status"]) == ("自家种的大白菜", "ACTIVE")


async def test_reported_listing_is_hidden_and_restored_by_the_region_admin(api: Api) -> None:
    seller, neighbour = await api.person(), await api.person()
    admin = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    elsewhere = await api.person(Role.TOWNSHIP_ADMIN, scope=LUOCHENG)
    listing = await create_listing(api, seller)
    report = {"i": {"listingId": listing["id"], "reason": "图片与实物不符"}}
    assert (await api.gql(REPORT, report, as_=neighbour))["data"]["reportListing"][
        "userErrors"
    ] == []
    again = await api.gql(REPORT, report, as_=neighbour)
    assert again["data"]["reportListing"]["userErrors"][0]["code"] == "ALREADY_REPORTED"
    count = await api.gql(
        "query($id: ID!) { node(id: $id) { ... on Listing { reportCount } } }",
        {"id": listing["id"]},
        as_=admin,
    )
    assert count["data"]["node"]["reportCount"] == 1
    refused = await api.gql(HIDE, {"i": {"listingId": listing["id"]}}, as_=elsewhere)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    hidden = await api.gql(HIDE, {"i": {"listingId": listing["id"]}}, as_=admin)
    assert hidden["data"]["hideListing"]["listing"]["status"] == "HIDDEN"
    assert titles(await browse(api)) == []
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert (await api.gql(node, {"id": listing["id"]}, as_=neighbour))["data"]["node"] is None
    assert (await api.gql(node, {"id": listing["id"]}, as_=seller))["data"]["node"] is not None
    assert titles(await browse(api, as_=admin, f={"status": "HIDDEN"})) == ["自家种的大白菜"]
    restored = await api.gql(RESTORE, {"i": {"listingId": listing["id"]}}, as_=admin)
    assert restored["data"]["restoreListing"]["listing"]["status"] == "ACTIVE"
    assert titles(await browse(api)) == ["自家种的大白菜"]


async def test_search_finds_listings_on_sale_and_not_hidden_ones(api: Api) -> None:
    seller = await api.person()
    admin = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    apples = await create_listing(api, seller, commodity="苹果", title="红富士苹果 脆甜多汁")
    hidden = await create_listing(api, seller, commodity="苹果", title="苹果 便宜处理")
    await create_listing(api, seller, commodity="大白菜", title="自家种的大白菜")
    await api.gql(HIDE, {"i": {"listingId": hidden["id"]}}, as_=admin)
    result = await api.gql(
        """query($t: String!) { search(text: $t, kinds: [LISTING]) {
             kind title snippet node { id } } }""",
        {"t": "红富士 苹果"},
    )
    hits = result["data"]["search"]
    assert [hit["node"]["id"] for hit in hits] == [apples["id"]]
    assert hits[0]["kind"] == "LISTING" and hits[0]["snippet"] == "苹果 1.20元/斤"
