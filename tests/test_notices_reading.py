"""Reading notices: read receipts, acknowledgement, the unread count and per-village stats,
and the round trips of a notices page."""

from bson import ObjectId

from sannong.db.client import count_commands
from tests.factories import SUNJIAJI, Api, Person, region_id
from tests.notices import ACK, MARK_READ, STATS, admin, notices, publish, titles

UNREAD = "{ me { unreadNoticeCount } }"


async def unread(api: Api, person: Person) -> int:
    return int((await api.gql(UNREAD, as_=person))["data"]["me"]["unreadNoticeCount"])


async def test_reading_and_acknowledging_update_the_receipts_and_the_unread_count(
    api: Api,
) -> None:
    township = await admin(api)
    subsidy = await publish(
        api, township, category="SUBSIDY", title="耕地地力补贴发放", requiresAck=True
    )
    await publish(api, township, title="冬季防火")
    farmer = await api.person(village="孙家集村")
    assert await unread(api, farmer) == 2
    marked = await api.gql(MARK_READ, {"i": {"noticeId": subsidy["id"]}}, as_=farmer)
    assert marked["data"]["markNoticeRead"]["notice"] == {
        "id": subsidy["id"],
        "read": True,
        "acknowledged": False,
    }
    assert await unread(api, farmer) == 1
    assert titles(await notices(api, farmer, u=True)) == ["冬季防火"]
    acked = await api.gql(ACK, {"i": {"noticeId": subsidy["id"]}}, as_=farmer)
    assert acked["data"]["acknowledgeNotice"]["notice"]["acknowledged"] is True
    again = await api.gql(ACK, {"i": {"noticeId": subsidy["id"]}}, as_=farmer)
    assert again["data"]["acknowledgeNotice"]["userErrors"] == []
    assert await api.db.notice_reads.count_documents({}) == 1
    # signed out: the receipts of nobody
    anonymous = await notices(api, None, r=region_id(SUNJIAJI))
    assert all(edge["node"]["read"] is None for edge in anonymous["edges"])


async def test_a_read_and_a_confirmation_answer_the_readers_new_unread_count(api: Api) -> None:
    township = await admin(api)
    first = await publish(api, township, title="秋粮收购", requiresAck=True)
    await publish(api, township, title="冬季防火")
    farmer = await api.person(village="孙家集村")
    with_me = "{ notice { id read } me { unreadNoticeCount } userErrors { code } }"
    read = f"mutation($i: MarkNoticeReadInput!) {{ markNoticeRead(input: $i) {with_me} }}"
    ack = f"mutation($i: AcknowledgeNoticeInput!) {{ acknowledgeNotice(input: $i) {with_me} }}"
    marked = await api.gql(read, {"i": {"noticeId": first["id"]}}, as_=farmer)
    assert marked["data"]["markNoticeRead"]["me"] == {"unreadNoticeCount": 1}
    assert await unread(api, farmer) == 1
    acked = await api.gql(ack, {"i": {"noticeId": first["id"]}}, as_=farmer)
    assert acked["data"]["acknowledgeNotice"]["me"] == {"unreadNoticeCount": 1}
    refused = await api.gql(read, {"i": {"noticeId": first["id"]}})
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_acknowledging_a_notice_that_does_not_ask_for_it_is_refused(api: Api) -> None:
    township = await admin(api)
    notice = await publish(api, township, title="普通通知")
    farmer = await api.person(village="孙家集村")
    result = await api.gql(ACK, {"i": {"noticeId": notice["id"]}}, as_=farmer)
    assert result["data"]["acknowledgeNotice"]["userErrors"] == [
        {"field": "noticeId", "message": "该通知不需要确认", "code": "ACK_NOT_REQUIRED"}
    ]
    assert await api.db.notice_reads.count_documents({}) == 0


async def test_only_residents_of_the_region_acknowledge(api: Api) -> None:
    township = await admin(api)
    notice = await publish(api, township, title="确认收到", requiresAck=True)
    outsider = await api.person(village="东斟灌村")  # 洛城街道
    result = await api.gql(ACK, {"i": {"noticeId": notice["id"]}}, as_=outsider)
    assert result["data"]["acknowledgeNotice"]["userErrors"][0]["code"] == "NOT_ADDRESSED"
    nobody = await api.gql(ACK, {"i": {"noticeId": notice["id"]}})
    assert nobody["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    unknown = await api.gql(MARK_READ, {"i": {"noticeId": _notice_id(ObjectId())}}, as_=outsider)
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def _notice_id(key: ObjectId) -> str:
    from tests.factories import gid

    return gid("Notice", str(key))


async def test_stats_count_residents_readers_and_confirmations_per_village(api: Api) -> None:
    township = await admin(api)  # lives in 孙家集村
    notice = await publish(api, township, title="医保缴费", requiresAck=True)
    here = [await api.person(village="孙家集村") for _ in range(3)]
    there = [await api.person(village="胡营村") for _ in range(2)]
    for person in [*here, there[0]]:
        await api.gql(MARK_READ, {"i": {"noticeId": notice["id"]}}, as_=person)
    await api.gql(ACK, {"i": {"noticeId": notice["id"]}}, as_=here[0])
    await api.gql(ACK, {"i": {"noticeId": notice["id"]}}, as_=there[1])
    stats = (await api.gql(STATS, {"id": notice["id"]}, as_=township))["data"]["noticeStats"]
    by_village = {v["village"]["name"]: v for v in stats["villages"]}
    assert len(by_village) == 5  # every village of 孙家集街道, with residents or not
    assert {k: (v["residents"], v["read"], v["acknowledged"]) for k, v in by_village.items()} == {
        "三元朱村": (0, 0, 0),
        "孙家集村": (4, 3, 1),
        "胡营村": (2, 2, 1),
        "石门董村": (0, 0, 0),
        "前疃村": (0, 0, 0),
    }
    assert (stats["residents"], stats["read"], stats["acknowledged"]) == (6, 5, 2)


async def test_a_township_admin_sees_its_villages_in_the_stats_of_a_county_notice(
    api: Api,
) -> None:
    from sannong.auth import Role

    county = await api.person(Role.PLATFORM_ADMIN, scope="370783000000")
    notice = await publish(api, county, region="370783000000", title="全市通知")
    township = await admin(api)
    stats = (await api.gql(STATS, {"id": notice["id"]}, as_=township))["data"]["noticeStats"]
    assert stats["region"]["code"] == "370783003000"
    assert {v["village"]["code"][:9] for v in stats["villages"]} == {"370783003"}
    whole = (await api.gql(STATS, {"id": notice["id"]}, as_=county))["data"]["noticeStats"]
    assert len(whole["villages"]) == 15


async def test_a_notices_page_costs_the_same_commands_whatever_its_size(api: Api) -> None:
    township = await admin(api)
    notice = await publish(api, township, title="模板")
    doc = await api.db.notices.find_one({})
    copies = [{**doc, "_id": ObjectId(), "sortKey": doc["sortKey"] - n - 1} for n in range(120)]
    for start in range(0, len(copies), 50):
        await api.db.notices.insert_many(copies[start : start + 50])
    farmer = await api.person(village="孙家集村")
    await api.gql(MARK_READ, {"i": {"noticeId": notice["id"]}}, as_=farmer)
    query = """query($n: Int) { me { unreadNoticeCount }
        notices(first: $n) { edges { node { id title read acknowledged region { name }
          author { name } attachments { url } } } } }"""
    await api.gql(query, {"n": 10}, as_=farmer)  # fills the process's copies
    tallies = []
    for size in (10, 100, 10):
        with count_commands() as tally:
            result = await api.gql(query, {"n": size}, as_=farmer)
        assert len(result["data"]["notices"]["edges"]) == size
        assert result["data"]["me"]["unreadNoticeCount"] == 120
        tallies.append(sorted(tally.names))
    # the session; the reader's receipts, serving the count and the page's flags; the
    # page. The viewer, the authors, the regions and the notices in force for the
    # village (the count) are the process's copies.
    assert tallies[0] == tallies[1] == tallies[2]
    assert tallies[0] == ["find", "find", "find"]
