"""The in-app inbox: unread count, marking read, totals."""

from datetime import UTC, datetime, timedelta

from bson import ObjectId

from tests.factories import Api, Person

INBOX = """{ me { unreadNotificationCount }
  myNotifications(first: 10) { totalCount edges { node { id read } } } }"""
MARK = """mutation($i: MarkNotificationsReadInput!) { markNotificationsRead(input: $i) {
  markedCount unreadCount userErrors { field code } } }"""


async def notify(api: Api, person: Person, count: int) -> list[str]:
    start = datetime.now(UTC)
    docs = [
        {
            "userId": ObjectId(person.key),
            "kind": "PRICE_ALERT",
            "title": "玉米价格提醒",
            "body": f"第 {n} 条",
            "createdAt": start + timedelta(seconds=n),
            "readAt": None,
        }
        for n in range(count)
    ]
    result = await api.db.notifications.insert_many(docs)
    return [str(i) for i in result.inserted_ids]


async def test_marking_some_read_lowers_the_unread_count(api: Api) -> None:
    farmer = await api.person()
    ids = await notify(api, farmer, 3)
    before = (await api.gql(INBOX, as_=farmer))["data"]
    assert before["me"]["unreadNotificationCount"] == 3
    assert before["myNotifications"]["totalCount"] == 3
    marked = await api.gql(MARK, {"i": {"ids": ids[:2]}}, as_=farmer)
    assert marked["data"]["markNotificationsRead"] == {
        "markedCount": 2,
        "unreadCount": 1,
        "userErrors": [],
    }
    after = (await api.gql(INBOX, as_=farmer))["data"]
    read = {e["node"]["id"]: e["node"]["read"] for e in after["myNotifications"]["edges"]}
    assert read == {ids[0]: True, ids[1]: True, ids[2]: False}
    again = await api.gql(MARK, {"i": {"ids": ids[:2]}}, as_=farmer)
    assert again["data"]["markNotificationsRead"]["markedCount"] == 0


async def test_marking_all_read_touches_only_my_own(api: Api) -> None:
    farmer, neighbour = await api.person(), await api.person()
    await notify(api, farmer, 2)
    theirs = await notify(api, neighbour, 2)
    mine = await api.gql(MARK, {"i": {}}, as_=farmer)
    assert mine["data"]["markNotificationsRead"]["unreadCount"] == 0
    other = await api.gql(MARK, {"i": {"ids": theirs}}, as_=farmer)
    assert other["data"]["markNotificationsRead"]["markedCount"] == 0
    assert (await api.gql(INBOX, as_=neighbour))["data"]["me"]["unreadNotificationCount"] == 2


async def test_too_many_ids_are_refused_and_nothing_changes(api: Api) -> None:
    farmer = await api.person()
    ids = await notify(api, farmer, 1)
    refused = await api.gql(MARK, {"i": {"ids": ids * 101}}, as_=farmer)
    assert refused["data"]["markNotificationsRead"]["userErrors"] == [
        {"field": "ids", "code": "TOO_MANY"}
    ]
    assert (await api.gql(INBOX, as_=farmer))["data"]["me"]["unreadNotificationCount"] == 1


async def test_the_unread_count_is_only_for_the_person_themself(api: Api) -> None:
    farmer, neighbour = await api.person(), await api.person()
    await notify(api, farmer, 1)
    query = """query($id: ID!) { node(id: $id) { ... on User { unreadNotificationCount } } }"""
    seen = await api.gql(query, {"id": farmer.id}, as_=neighbour)
    assert seen["data"]["node"] == {"unreadNotificationCount": None}
    anonymous = await api.gql(MARK, {"i": {}})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
