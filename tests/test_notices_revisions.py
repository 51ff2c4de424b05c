"""Nothing published is silently changed: edits keep every earlier version, a withdrawal
needs a reason and leaves the notice readable as withdrawn."""

import asyncio
from typing import Any

from tests.factories import Api, Person
from tests.notices import (
    NOTICE_FIELDS,
    PDF,
    UPDATE,
    WITHDRAW,
    admin,
    notices,
    publish,
    publish_with_files,
    titles,
)

HISTORY = f"""query($id: ID!) {{ node(id: $id) {{ ... on Notice {{ {NOTICE_FIELDS}
    revisions {{ version title body category pinned requiresAck publishedAt note
                 editor {{ id }} attachments {{ name }} statement {{ period }} }} }} }} }}"""


async def edit(api: Api, as_: Person, notice_id: str, **changes: Any) -> dict[str, Any]:
    result = await api.gql(UPDATE, {"i": {"noticeId": notice_id, **changes}}, as_=as_)
    payload: dict[str, Any] = result["data"]["updateNotice"]
    return payload


async def test_after_two_edits_the_history_shows_every_earlier_version(api: Api) -> None:
    township = await admin(api)
    other = await admin(api)  # a second admin of the same township
    notice = await publish(api, township, title="第一版", body="<p>原文</p>")
    first = await edit(api, township, notice["id"], title="第二版", note="改标题")
    assert first["userErrors"] == []
    second = await edit(
        api, other, notice["id"], body="<p>补充领取地点</p>", pinned=True, note="补充地点"
    )
    assert second["userErrors"] == []
    current = second["notice"]
    assert (current["title"], current["body"], current["version"], current["pinned"]) == (
        "第二版",
        "<p>补充领取地点</p>",
        3,
        True,
    )
    assert current["revisionNote"] == "补充地点" and current["revisedAt"] is not None
    result = await api.gql(HISTORY, {"id": notice["id"]})
    history = result["data"]["node"]["revisions"]
    assert [(r["version"], r["title"], r["body"], r["note"]) for r in history] == [
        (1, "第一版", "<p>原文</p>", None),
        (2, "第二版", "<p>原文</p>", "改标题"),
    ]
    assert history[0]["editor"]["id"] == township.id  # who published that version
    assert history[1]["editor"]["id"] == township.id
    assert history[0]["publishedAt"] < history[1]["publishedAt"]


async def test_an_edit_that_changes_nothing_is_refused(api: Api) -> None:
    township = await admin(api)
    notice = await publish(api, township, title="不变")
    payload = await edit(api, township, notice["id"], title="不变")
    assert payload["userErrors"][0]["code"] == "NOTHING_CHANGED"
    assert (await api.db.notices.find_one({}))["version"] == 1


async def test_concurrent_edits_lose_no_version(api: Api) -> None:
    township = await admin(api)
    notice = await publish(api, township, title="原标题")
    results = await asyncio.gather(
        *(edit(api, township, notice["id"], title=f"标题 {n}") for n in range(6))
    )
    codes = [r["userErrors"][0]["code"] if r["userErrors"] else "OK" for r in results]
    assert set(codes) <= {"OK", "EDIT_CONFLICT"} and "OK" in codes
    stored = await api.db.notices.find_one({})
    # every edit that was stored kept the version it replaced: none lost, none twice
    assert stored["version"] == 1 + codes.count("OK")
    assert [r["version"] for r in stored["revisions"]] == list(range(1, stored["version"]))


async def test_a_withdrawn_notice_stays_readable_marked_withdrawn_with_its_reason(
    api: Api,
) -> None:
    township = await admin(api)
    notice = await publish(api, township, title="误发的通知", pinned=True)
    no_reason = await api.gql(
        WITHDRAW, {"i": {"noticeId": notice["id"], "reason": " "}}, as_=township
    )
    assert no_reason["data"]["withdrawNotice"]["userErrors"][0]["code"] == "REQUIRED"
    result = await api.gql(
        WITHDRAW, {"i": {"noticeId": notice["id"], "reason": "内容有误，另行发布"}}, as_=township
    )
    withdrawn = result["data"]["withdrawNotice"]["notice"]
    assert (withdrawn["status"], withdrawn["withdrawReason"], withdrawn["pinned"]) == (
        "WITHDRAWN",
        "内容有误，另行发布",
        True,  # shown as it was published; it no longer sorts first
    )
    farmer = await api.person(village="孙家集村")
    listed = await notices(api, farmer)
    assert titles(listed) == ["误发的通知"]
    assert listed["edges"][0]["node"]["status"] == "WITHDRAWN"
    again = await api.gql(
        WITHDRAW, {"i": {"noticeId": notice["id"], "reason": "再撤"}}, as_=township
    )
    assert again["data"]["withdrawNotice"]["userErrors"][0]["code"] == "NOTICE_WITHDRAWN"
    edited = await edit(api, township, notice["id"], title="改一下")
    assert edited["userErrors"][0]["code"] == "NOTICE_WITHDRAWN"
    assert await api.db.notices.count_documents({}) == 1  # never deleted


async def test_an_attachment_removed_by_an_edit_stays_in_the_history(api: Api) -> None:
    township = await admin(api)
    response = await publish_with_files(api, township, [("名单.pdf", PDF, "application/pdf")])
    notice = response.json()["data"]["publishNotice"]["notice"]
    key = notice["attachments"][0]["url"].removeprefix("/media/").removesuffix(".pdf")
    unknown = await edit(api, township, notice["id"], removeAttachmentKeys=["f" * 32])
    assert unknown["userErrors"][0]["code"] == "NOT_FOUND"
    removed = await edit(api, township, notice["id"], removeAttachmentKeys=[key], note="名单有误")
    assert removed["userErrors"] == [] and removed["notice"]["attachments"] == []
    result = await api.gql(HISTORY, {"id": notice["id"]})
    assert result["data"]["node"]["revisions"][0]["attachments"] == [{"name": "名单.pdf"}]
