import pytest

from sannong.auth import Role
from sannong.seed.articles import ARTICLES, article_documents
from sannong.seed.batches import upsert_all
from tests.factories import LUOCHENG, PROVINCE, SUNJIAJI, Api, codes, region_id, village_id
from tests.prices_helpers import commodity_id

pytestmark = pytest.mark.usefixtures("catalog")

PUBLISH = """mutation($i: PublishArticleInput!) { publishArticle(input: $i) {
  article { id title summary body category author { name } crops { name } regions { name } }
  userErrors { field code } } }"""
ARTICLES_QUERY = """query($f: ArticleFilter, $first: Int, $after: String) {
  articles(filter: $f, first: $first, after: $after) {
    edges { node { title } } pageInfo { hasNextPage endCursor } } }"""
SEARCH = """query($t: String!, $k: [SearchKind!]) { search(text: $t, kinds: $k) {
  kind title score node { ... on Article { id category } ... on Commodity { name } } } }"""


def article(**changes: object) -> dict:
    return {
        "i": {
            "title": "花生叶斑病防治",
            "body": "<p>花生叶斑病在高温多雨时发生较重。</p>",
            "category": "PEST_CONTROL",
            "commodityIds": [commodity_id("peanut")],
        }
        | changes
    }


async def seed_demo_articles(api: Api) -> None:
    await upsert_all(api.db.articles, article_documents(None))


async def test_expert_publishes_an_article_and_scripts_are_removed(api: Api) -> None:
    expert = await api.person(Role.EXPERT)
    body = (
        '<p onclick="steal()">发病初期喷施<strong>代森锰锌</strong>。</p>'
        '<script>alert("x")</script><img src="javascript:alert(1)" onerror="x()">'
        '<a href="https://example.org/guide">技术手册</a>'
    )
    result = await api.gql(PUBLISH, article(body=body), as_=expert)
    payload = result["data"]["publishArticle"]
    assert payload["userErrors"] == []
    stored = payload["article"]
    assert stored["body"] == (
        "<p>发病初期喷施<strong>代森锰锌</strong>。</p>"
        '<a href="https://example.org/guide" rel="noopener noreferrer nofollow">技术手册</a>'
    )
    assert stored["summary"] == "发病初期喷施代森锰锌。"
    assert stored["crops"] == [{"name": "花生"}]
    assert stored["regions"] == []  # an expert's advice applies everywhere by default
    assert stored["author"] == {"name": "测试用户"}


async def test_pictures_come_only_from_the_platform_and_links_tell_no_one(api: Api) -> None:
    """A picture from another site tells it who read the article (a tracking pixel): only
    the platform's own /media/ pictures stay. Links out carry rel noreferrer; a
    protocol-relative //host link looks like a path of the platform and is refused."""
    expert = await api.person(Role.EXPERT)
    own = "/media/0123456789abcdef0123456789abcdef.webp"
    body = (
        '<p>病斑<img src="https://tracker.example/p.gif" width="1" height="1">照片</p>'
        '<p><img src="//cdn.example/leaf.jpg" alt="叶片"><img src="http://x.example/a.png"></p>'
        f'<p><img src="{own}" alt="叶斑病"><img src="{own}?u=1"><img src="/media/../a.webp"></p>'
        '<p><a href="//other.example/guide">手册</a>、<a href="/\\other.example">另一本</a>、'
        '<a href="https://www.moa.gov.cn/guide">农业农村部</a>、<a href="/notices">通知</a></p>'
    )
    result = await api.gql(PUBLISH, article(body=body), as_=expert)
    assert result["data"]["publishArticle"]["userErrors"] == []
    rel = 'rel="noopener noreferrer nofollow"'
    assert result["data"]["publishArticle"]["article"]["body"] == (
        "<p>病斑照片</p><p></p>"
        f'<p><img src="{own}" alt="叶斑病"></p>'
        f"<p><a {rel}>手册</a>、<a {rel}>另一本</a>、"
        f'<a href="https://www.moa.gov.cn/guide" {rel}>农业农村部</a>、'
        f'<a href="/notices" {rel}>通知</a></p>'
    )
    stored = await api.db.articles.find_one({})
    assert stored is not None and "example" not in stored["body"]


async def test_an_article_is_a_node(api: Api) -> None:
    expert = await api.person(Role.EXPERT)
    created = await api.gql(PUBLISH, article(), as_=expert)
    article_id = created["data"]["publishArticle"]["article"]["id"]
    found = await api.gql(
        "query($id: ID!) { node(id: $id) { ... on Article { title } } }", {"id": article_id}
    )
    assert found["data"]["node"] == {"title": "花生叶斑病防治"}


async def test_an_article_of_only_script_is_refused(api: Api) -> None:
    expert = await api.person(Role.EXPERT)
    result = await api.gql(PUBLISH, article(body="<script>alert(1)</script>"), as_=expert)
    assert result["data"]["publishArticle"]["userErrors"] == [{"field": "body", "code": "REQUIRED"}]
    assert await api.db.articles.count_documents({}) == 0


async def test_bad_article_input_is_reported_field_by_field(api: Api) -> None:
    expert = await api.person(Role.EXPERT)
    result = await api.gql(
        PUBLISH,
        article(title="长" * 61, summary="$where", commodityIds=[commodity_id("unicorn")]),
        as_=expert,
    )
    assert result["data"]["publishArticle"]["userErrors"] == [
        {"field": "title", "code": "TOO_LONG"},
        {"field": "summary", "code": "INVALID"},
        {"field": "commodityIds", "code": "UNKNOWN_COMMODITY"},
    ]


@pytest.mark.parametrize(
    ("role", "scope", "expected"),
    [
        (None, None, "UNAUTHENTICATED"),
        (Role.FARMER, None, "FORBIDDEN"),
        (Role.EXPERT, None, None),
        (Role.TOWNSHIP_ADMIN, SUNJIAJI, None),
        (Role.TOWNSHIP_ADMIN, LUOCHENG, "FORBIDDEN"),
        (Role.PLATFORM_ADMIN, PROVINCE, None),
    ],
)
async def test_who_may_publish_for_a_township(api: Api, role, scope, expected) -> None:
    person = await api.person(role, scope=scope) if role else None
    result = await api.gql(PUBLISH, article(regionIds=[region_id(SUNJIAJI)]), as_=person)
    if expected is None:
        assert result["data"]["publishArticle"]["article"]["regions"] == [{"name": "孙家集街道"}]
    else:
        assert codes(result) == [expected]


async def test_an_admins_article_applies_to_its_region_by_default(api: Api) -> None:
    admin = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    result = await api.gql(PUBLISH, article(), as_=admin)
    assert result["data"]["publishArticle"]["article"]["regions"] == [{"name": "孙家集街道"}]


async def test_articles_are_filtered_by_category_crop_and_region(api: Api) -> None:
    await seed_demo_articles(api)
    by_category = await api.gql(ARTICLES_QUERY, {"f": {"category": "AQUACULTURE"}})
    assert {e["node"]["title"] for e in by_category["data"]["articles"]["edges"]} == {
        "高温季节鱼塘防浮头措施",
        "南美白对虾养殖水质调控",
    }
    by_crop = await api.gql(ARTICLES_QUERY, {"f": {"commodityId": commodity_id("rice")}})
    assert [e["node"]["title"] for e in by_crop["data"]["articles"]["edges"]] == [
        "水稻稻瘟病的识别与综合防治",
        "水稻灌浆期田间管理要点",
    ]
    shouguang = await api.gql(
        ARTICLES_QUERY, {"f": {"regionId": village_id("三元朱村")}, "first": 50}
    )
    qingzhou = await api.gql(ARTICLES_QUERY, {"f": {"regionId": village_id("王坟村")}, "first": 50})
    titles_sg = {e["node"]["title"] for e in shouguang["data"]["articles"]["edges"]}
    titles_qz = {e["node"]["title"] for e in qingzhou["data"]["articles"]["edges"]}
    assert "设施番茄黄化曲叶病毒病防控" in titles_sg - titles_qz  # for 寿光 only
    assert "苹果套袋技术与注意事项" in titles_qz - titles_sg  # for 青州 only
    assert "水稻稻瘟病的识别与综合防治" in titles_sg & titles_qz  # for everyone


async def test_articles_page_newest_first(api: Api) -> None:
    await seed_demo_articles(api)
    first = (await api.gql(ARTICLES_QUERY, {"first": 20}))["data"]["articles"]
    rest = (await api.gql(ARTICLES_QUERY, {"first": 20, "after": first["pageInfo"]["endCursor"]}))[
        "data"
    ]["articles"]
    titles = [e["node"]["title"] for e in first["edges"] + rest["edges"]]
    assert titles == [a.title for a in ARTICLES]
    assert len(titles) >= 30 and rest["pageInfo"]["hasNextPage"] is False


async def test_search_finds_the_rice_blast_article_first(api: Api) -> None:
    await seed_demo_articles(api)
    hits = (await api.gql(SEARCH, {"t": "稻瘟病 防治"}))["data"]["search"]
    assert hits[0]["title"] == "水稻稻瘟病的识别与综合防治"
    assert hits[0]["kind"] == "ARTICLE" and hits[0]["node"]["category"] == "PEST_CONTROL"
    # next: other articles that control a disease in the title, before body-only mentions
    titles = [h["title"] for h in hits]
    assert titles.index("小麦条锈病发生特点与防治") < titles.index("水稻灌浆期田间管理要点")
    assert "生姜姜瘟病的预防措施" not in titles  # 瘟病 alone is not what was asked
    assert len(hits) > 5


async def test_title_matches_rank_over_body_matches(api: Api) -> None:
    await seed_demo_articles(api)
    hits = (await api.gql(SEARCH, {"t": "稻瘟病", "k": ["ARTICLE"]}))["data"]["search"]
    assert [h["title"] for h in hits] == ["水稻稻瘟病的识别与综合防治", "水稻灌浆期田间管理要点"]
    assert hits[0]["score"] > hits[1]["score"]


async def test_search_finds_commodities_by_name_and_alias(api: Api) -> None:
    hits = (await api.gql(SEARCH, {"t": "番茄", "k": ["COMMODITY"]}))["data"]["search"]
    assert hits == [
        {"kind": "COMMODITY", "title": "西红柿", "score": 16, "node": {"name": "西红柿"}}
    ]


async def test_search_of_nothing_finds_nothing_and_long_text_is_refused(api: Api) -> None:
    assert (await api.gql(SEARCH, {"t": " 的 ，"}))["data"]["search"] == []
    assert codes(await api.gql(SEARCH, {"t": "稻" * 101})) == ["BAD_USER_INPUT"]
