"""Publishing notices: categories, sanitized text, attachments checked by content,
pinned first, expiry, and a village reading its township's and county's notices."""

import io
from datetime import timedelta

from PIL import Image

from sannong.auth import Role
from sannong.clock import now
from sannong.seed.regions import village_code
from tests.factories import LUOCHENG, PROVINCE, SUNJIAJI, Api, region_id, village_id
from tests.notices import (
    ELF,
    EXECUTABLE,
    PDF,
    PUBLISH,
    UPDATE,
    admin,
    notice_input,
    notices,
    publish,
    publish_with_files,
    titles,
)

SHOUGUANG = "370783000000"  # 寿光市, the county above 孙家集街道 and 洛城街道


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 160, 60)).save(out, "PNG")
    return out.getvalue()


async def test_every_category_of_the_catalogue_can_be_published(api: Api) -> None:
    township = await admin(api)
    categories = [
        "PARTY_AFFAIRS",
        "VILLAGE_AFFAIRS",
        "FINANCE",
        "SUBSIDY",
        "POLICY",
        "ANNOUNCEMENT",
        "EMERGENCY",
        "EMPLOYMENT",
    ]
    labels = []
    for category in categories:
        notice = await publish(api, township, category=category, title=f"{category} 通知")
        labels.append(notice["categoryLabel"])
        assert (notice["status"], notice["version"], notice["region"]["code"]) == (
            "PUBLISHED",
            1,
            SUNJIAJI,
        )
    assert labels == [
        "党务公开",
        "村务公开",
        "财务公开",
        "惠农补贴",
        "政策法规",
        "通知公告",
        "应急预警",
        "就业招聘",
    ]


async def test_script_in_the_body_is_removed_and_a_body_of_only_script_refused(api: Api) -> None:
    township = await admin(api)
    body = '<p onclick="steal()">请按时领取<b>补贴</b></p><script>alert(1)</script>'
    notice = await publish(api, township, body=body)
    assert notice["body"] == "<p>请按时领取<b>补贴</b></p>"
    assert notice["summary"] == "请按时领取补贴"
    refused = await api.gql(
        PUBLISH, {"i": notice_input(body="<script>alert(1)</script>", title="空")}, as_=township
    )
    errors = refused["data"]["publishNotice"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [("body", "REQUIRED")]
    assert await api.db.notices.count_documents({}) == 1


async def test_a_notice_shows_no_picture_from_another_site_when_published_or_edited(
    api: Api,
) -> None:
    """An official notice read with a third party's picture in it tells that party who read
    it: only the platform's own pictures stay, in the first version and in every edit."""
    township = await admin(api)
    own = "/media/0123456789abcdef0123456789abcdef-thumb.webp"
    notice = await publish(
        api,
        township,
        body=(
            '<p>请按时领取补贴<img src="https://pixel.example/t.gif?u=42" width="1" height="1"></p>'
            f'<p><img src="{own}" alt="领取地点"><img src="//pixel.example/t.gif"></p>'
            '<p>详见<a href="//other.example/x">附件</a></p>'
        ),
    )
    rel = 'rel="noopener noreferrer nofollow"'
    assert notice["body"] == (
        f'<p>请按时领取补贴</p><p><img src="{own}" alt="领取地点"></p><p>详见<a {rel}>附件</a></p>'
    )
    edited = await api.gql(
        UPDATE,
        {
            "i": {
                "noticeId": notice["id"],
                "body": '<p>地点改为便民服务中心<img src="HTTPS://pixel.example/t.gif"></p>',
                "note": "改地点",
            }
        },
        as_=township,
    )
    payload = edited["data"]["updateNotice"]
    assert payload["userErrors"] == []
    assert payload["notice"]["body"] == "<p>地点改为便民服务中心</p>"
    assert all("pixel" not in r["body"] for r in payload["notice"]["revisions"])


async def test_bad_notice_input_is_reported_field_by_field_and_nothing_stored(api: Api) -> None:
    township = await admin(api)
    result = await api.gql(
        PUBLISH,
        {
            "i": notice_input(
                title="长" * 61,
                expiresAt=(now() - timedelta(hours=1)).isoformat(),
                regionId=village_id("孙家集村"),
            )
        },
        as_=township,
    )
    errors = result["data"]["publishNotice"]["userErrors"]
    assert {(e["field"], e["code"]) for e in errors} == {
        ("title", "TOO_LONG"),
        ("expiresAt", "INVALID"),
    }
    platform = await api.person(Role.PLATFORM_ADMIN, scope=PROVINCE)
    province = await api.gql(PUBLISH, {"i": notice_input(region=PROVINCE)}, as_=platform)
    assert province["data"]["publishNotice"]["userErrors"][0]["code"] == "WRONG_LEVEL"
    assert await api.db.notices.count_documents({}) == 0


async def test_pdf_and_photo_attachments_are_checked_by_content_and_served(api: Api) -> None:
    township = await admin(api)
    response = await publish_with_files(
        api,
        township,
        [("补贴名单.pdf", PDF, "application/pdf"), ("现场.png", png(), "image/png")],
    )
    payload = response.json()["data"]["publishNotice"]
    assert payload["userErrors"] == []
    pdf, photo = payload["notice"]["attachments"]
    assert (pdf["kind"], pdf["name"], pdf["size"]) == ("PDF", "补贴名单.pdf", len(PDF))
    assert pdf["url"].endswith(".pdf") and pdf["thumbnailUrl"] is None
    assert photo["kind"] == "IMAGE" and photo["thumbnailUrl"].endswith("-thumb.webp")
    served = await api.http.get(pdf["url"])
    assert served.status_code == 200 and served.content == PDF
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-security-policy"] == "sandbox"
    assert (await api.http.get(photo["url"])).headers["content-type"] == "image/webp"


async def test_an_executable_renamed_to_pdf_is_refused_and_nothing_is_published(
    api: Api,
) -> None:
    township = await admin(api)
    for program in (EXECUTABLE, ELF, b"%PDF-1.4 but no end", b"#!/bin/sh\nrm -rf /\n"):
        response = await publish_with_files(
            api, township, [("通知.pdf", program, "application/pdf")]
        )
        payload = response.json()["data"]["publishNotice"]
        assert payload["userErrors"] == [
            {
                "field": "attachments.0",
                "message": "附件只能是 PDF 文件或 JPG、PNG、WebP 图片",
                "code": "UNSUPPORTED_ATTACHMENT",
            }
        ]
    assert await api.db.notices.count_documents({}) == 0


async def test_too_many_or_too_large_attachments_are_refused(api: Api) -> None:
    township = await admin(api)
    six = [(f"{n}.pdf", PDF, "application/pdf") for n in range(6)]
    payload = (await publish_with_files(api, township, six)).json()["data"]["publishNotice"]
    assert payload["userErrors"][0]["code"] == "TOO_MANY_ATTACHMENTS"
    big = PDF + b"0" * (10 * 1024 * 1024)
    payload = (await publish_with_files(api, township, [("大.pdf", big, "application/pdf")])).json()
    assert payload["data"]["publishNotice"]["userErrors"][0]["code"] == "ATTACHMENT_TOO_LARGE"
    assert await api.db.notices.count_documents({}) == 0


async def test_a_village_reads_its_own_its_townships_and_its_countys_notices(api: Api) -> None:
    township = await admin(api)
    county = await api.person(Role.PLATFORM_ADMIN, scope=SHOUGUANG)
    elsewhere = await admin(api, scope=LUOCHENG, village="东斟灌村")
    await publish(api, county, region=SHOUGUANG, title="县：秸秆禁烧")
    await publish(api, township, title="镇：冬季水利")
    await publish(api, township, region=village_code("孙家集村"), title="村：选举公告")
    await publish(api, township, region=village_code("胡营村"), title="邻村：修路")
    await publish(api, elsewhere, region=LUOCHENG, title="别的街道：招聘")
    farmer = await api.person(village="孙家集村")
    mine = await notices(api, farmer)
    assert titles(mine) == ["村：选举公告", "镇：冬季水利", "县：秸秆禁烧"]
    assert mine["totalCount"] == 3
    within = await notices(api, township, r=region_id(SUNJIAJI), w=True)
    assert titles(within) == ["邻村：修路", "村：选举公告", "镇：冬季水利"]


async def test_pinned_notices_come_first_and_expired_ones_only_when_asked(api: Api) -> None:
    township = await admin(api)
    await publish(api, township, title="置顶：防火", pinned=True)
    soon = await publish(api, township, title="即将过期")
    await publish(api, township, title="最新")
    # it expired a minute ago (set in the database: the API refuses a past expiry)
    await api.db.notices.update_one(
        {"title": "即将过期"}, {"$set": {"expiresAt": now() - timedelta(minutes=1)}}
    )
    farmer = await api.person(village="孙家集村")
    assert titles(await notices(api, farmer)) == ["置顶：防火", "最新"]
    shown = await notices(api, farmer, x=True)
    assert titles(shown) == ["置顶：防火", "最新", "即将过期"]
    assert soon["expired"] is False


async def test_pages_follow_the_pinned_then_newest_order(api: Api) -> None:
    township = await admin(api)
    for n in range(5):
        await publish(api, township, title=f"通知 {n}", pinned=n == 1)
    farmer = await api.person(village="孙家集村")
    first = await notices(api, farmer, n=3)
    rest = await notices(api, farmer, n=3, a=first["pageInfo"]["endCursor"])
    assert titles(first) + titles(rest) == ["通知 1", "通知 4", "通知 3", "通知 2", "通知 0"]
    assert first["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]
