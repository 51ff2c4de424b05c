"""Demo notices: 64 across the catalogue's categories, to the county, its townships and
the villages of 孙家集街道; two finance statements (one with a lumped 其他 line); one
notice revised and one withdrawn; and read receipts of the demo farmers.

Deterministic (ids from numbers and the seed's anchor) and idempotent: documents are
inserted only when missing, so receipts written since are kept.
"""

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bson import ObjectId

from sannong.db import Database
from sannong.rules.accounts import user_document
from sannong.rules.articles import sanitize
from sannong.rules.finance import LineDraft, LineKind, StatementDraft, checked_statement
from sannong.rules.notices import NoticeCategory, notice_document, sort_key
from sannong.security import Passwords
from sannong.seed.batches import insert_missing
from sannong.seed.market import DEMO_FARMER_PASSWORD, GIVEN, SURNAMES
from sannong.seed.regions import region_documents
from sannong.validation import Checks

SHOUGUANG = "370783000000"
SUNJIAJI = "370783003000"
NOTICE_EVERY = timedelta(hours=9)

# (category, title, body paragraphs); "{region}" becomes the region's name
TEMPLATES: tuple[tuple[NoticeCategory, str, tuple[str, ...]], ...] = (
    (
        NoticeCategory.PARTY_AFFAIRS,
        "{region}党组织 2026 年第四季度主题党日安排",
        (
            "各党支部于本月 15 日前开展主题党日活动，学习乡村振兴有关文件。",
            "活动情况报街道党工委备案。",
        ),
    ),
    (
        NoticeCategory.PARTY_AFFAIRS,
        "{region}党费收缴情况公示",
        ("现将本季度党费收缴情况公示如下，如有疑问请向支部书记反映。",),
    ),
    (
        NoticeCategory.VILLAGE_AFFAIRS,
        "{region}关于召开村民代表大会的通知",
        (
            "定于下周三上午 9 时在村委会议室召开村民代表大会，讨论村内道路硬化方案。",
            "请各位代表准时参加。",
        ),
    ),
    (
        NoticeCategory.VILLAGE_AFFAIRS,
        "{region}宅基地审批结果公示",
        ("经村民代表会议讨论、街道审核，以下农户宅基地申请予以批准，公示期 7 天。",),
    ),
    (
        NoticeCategory.SUBSIDY,
        "{region} 2026 年耕地地力保护补贴发放公示",
        (
            "耕地地力保护补贴按每亩 120 元标准发放，直接打入“一卡通”账户。",
            "请各户核对面积，有误的在公示期内到村委会更正。",
        ),
    ),
    (
        NoticeCategory.SUBSIDY,
        "{region}农机购置补贴申请开始",
        ("购置拖拉机、植保无人机等机具的农户，可带发票和身份证到街道农业服务中心申请补贴。",),
    ),
    (
        NoticeCategory.POLICY,
        "《农村土地承包法》要点解读",
        ("承包期内，发包方不得收回承包地；土地经营权流转应当签订书面合同。", "详见附件解读材料。"),
    ),
    (
        NoticeCategory.POLICY,
        "城乡居民医保 2027 年度缴费政策",
        ("2027 年度个人缴费标准为每人每年 400 元，缴费截止时间为 12 月 31 日。",),
    ),
    (
        NoticeCategory.ANNOUNCEMENT,
        "{region}冬季农田水利建设通知",
        ("请各村于月底前完成沟渠清淤和机井维护，确保来年春灌用水。",),
    ),
    (
        NoticeCategory.ANNOUNCEMENT,
        "{region}停水通知",
        ("因管网维修，本周六 8:00 至 16:00 停止供水，请提前储水。",),
    ),
    (
        NoticeCategory.EMERGENCY,
        "{region}冬季森林防火和秸秆禁烧紧急通知",
        ("严禁在田间地头焚烧秸秆和杂草，发现火情立即拨打 12119。", "请各户签收确认。"),
    ),
    (
        NoticeCategory.EMERGENCY,
        "{region}大棚防雪防冻提醒",
        ("预计本周有中到大雪，请加固大棚骨架，及时清扫棚面积雪。",),
    ),
    (
        NoticeCategory.EMPLOYMENT,
        "{region}蔬菜合作社招聘采收工",
        (
            "招聘西红柿采收工 20 名，日薪 150 元，管午饭，年龄 60 岁以下。",
            "报名电话见村委会公告栏。",
        ),
    ),
    (
        NoticeCategory.EMPLOYMENT,
        "{region}公益性岗位招聘公告",
        ("招聘保洁、护林公益性岗位 5 个，优先安排脱贫户和监测户。",),
    ),
)


def _object_id(kind: int, n: int, at: datetime) -> ObjectId:
    return ObjectId(f"{int(at.timestamp()):08x}{kind:08x}{n:08x}")


def _targets() -> list[dict[str, Any]]:
    """The county, its three townships and the five villages of 孙家集街道."""
    regions = region_documents()
    county = [r for r in regions if r["_id"] == SHOUGUANG]
    townships = [r for r in regions if r.get("parentId") == SHOUGUANG]
    villages = [r for r in regions if r.get("parentId") == SUNJIAJI]
    return county + townships + villages


def _statement(period: str, lines: list[tuple[str, str, str, str]]) -> dict[str, Any]:
    drafts = [LineDraft(LineKind(k), c, i, Decimal(a)) for k, c, i, a in lines]
    income = sum((d.amount for d in drafts if d.kind is LineKind.INCOME), Decimal(0))
    expense = sum((d.amount for d in drafts if d.kind is LineKind.EXPENSE), Decimal(0))
    checks = Checks()
    statement = checked_statement(checks, StatementDraft(period, drafts, income, expense))
    assert statement is not None and not checks.errors
    return statement


FINANCE = (
    (
        "三元朱村 2026 年第三季度财务公开",
        _statement(
            "2026 年第三季度",
            [
                ("INCOME", "发包及上交收入", "大棚用地承包费", "186000.00"),
                ("INCOME", "补助收入", "村级组织运转经费", "60000.00"),
                ("INCOME", "经营收入", "集体冷库租金", "42000.00"),
                ("EXPENSE", "公益支出", "生产路硬化 1.2 公里", "158000.00"),
                ("EXPENSE", "管理费用", "村干部误工补贴", "54000.00"),
                ("EXPENSE", "公益支出", "垃圾清运", "18600.00"),
                ("EXPENSE", "其他支出", "零星支出", "9400.00"),
            ],
        ),
    ),
    (
        "孙家集村 2026 年第三季度财务公开",
        _statement(
            "2026 年第三季度",
            [
                ("INCOME", "发包及上交收入", "土地承包费", "98000.00"),
                ("INCOME", "补助收入", "村级组织运转经费", "60000.00"),
                ("EXPENSE", "公益支出", "路灯维修", "12500.00"),
                ("EXPENSE", "管理费用", "办公费", "8600.00"),
                ("EXPENSE", "其他支出", "招待及杂项", "23800.00"),  # over half: the app warns
            ],
        ),
    ),
)


def notice_documents(anchor: datetime, authors: dict[str, ObjectId]) -> list[dict[str, Any]]:
    """64 notices, the newest some hours before the anchor; `authors` by region level."""
    targets = _targets()
    docs: list[dict[str, Any]] = []
    count = 64
    first = anchor - NOTICE_EVERY * count
    for n in range(count):
        region = targets[n % len(targets)]
        at = first + NOTICE_EVERY * n
        paragraphs: tuple[str, ...]
        if n < len(FINANCE):
            title, statement = FINANCE[n]
            region = next(r for r in targets if r["name"] == title.split(" ")[0])
            category, paragraphs = NoticeCategory.FINANCE, ("收支明细如下，欢迎村民监督。",)
        else:
            category, title, paragraphs = TEMPLATES[n % len(TEMPLATES)]
            title, statement = title.format(region=region["name"]), None
        fields: dict[str, Any] = {
            "category": category.value,
            "title": title[:60],
            "body": sanitize("".join(f"<p>{p}</p>" for p in paragraphs)),
            "pinned": n in (count - 3, count - 10),
            "requiresAck": category in (NoticeCategory.SUBSIDY, NoticeCategory.EMERGENCY),
            "statement": statement,
            # an old notice or two expired already: shown only when asked for
            "expiresAt": at + timedelta(days=7) if n % 16 == 5 else None,
        }
        author = authors["township"] if SUNJIAJI in region["path"] else authors["county"]
        doc = notice_document(
            region=region,
            fields=fields,
            attachments=[],
            author_id=author,
            sms=False,
            published_at=at,
        )
        docs.append(doc | {"_id": _object_id(3, n, at)})
    _revise(docs[-5], authors["township"], anchor)
    _withdraw(docs[-20], authors["township"], anchor)
    return docs


def _revise(doc: dict[str, Any], by: ObjectId, anchor: datetime) -> None:
    earlier = {name: doc[name] for name in ("category", "title", "body", "pinned")}
    doc["revisions"] = [
        earlier
        | {
            "attachments": [],
            "statement": None,
            "expiresAt": None,
            "requiresAck": doc["requiresAck"],
            "version": 1,
            "at": doc["publishedAt"],
            "by": by,
            "note": None,
        }
    ]
    doc["body"] += sanitize("<p>补充：领取地点改为街道便民服务中心一楼。</p>")
    doc.update(version=2, revisedAt=anchor - timedelta(hours=2), revisedBy=by)
    doc["revisionNote"] = "补充领取地点"


def _withdraw(doc: dict[str, Any], by: ObjectId, anchor: datetime) -> None:
    doc.update(
        status="WITHDRAWN",
        withdrawnAt=anchor - timedelta(days=1),
        withdrawnBy=by,
        withdrawReason="时间有误，已重新发布",
        pinned=False,
        sortKey=sort_key(False, doc["publishedAt"]),
    )


def _receipt_id(notice_id: ObjectId, user_id: ObjectId) -> ObjectId:
    return ObjectId(hashlib.sha256(f"{notice_id}:{user_id}".encode()).digest()[:12])


def receipt_documents(
    notices: list[dict[str, Any]], readers: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each reader has opened about a third of the notices addressed to its village (a
    demo database stays quick to write), and confirmed half of those that ask for it."""
    receipts = []
    for r, reader in enumerate(readers):
        for n, notice in enumerate(notices):
            if notice["regionId"] not in reader["path"] or (n + r) % 3 != 0:
                continue
            read_at = notice["publishedAt"] + timedelta(hours=2 + (n + r) % 20)
            acked = notice["requiresAck"] and (n + r) % 2 == 0 and notice["status"] == "PUBLISHED"
            receipts.append(
                {
                    "_id": _receipt_id(notice["_id"], reader["_id"]),
                    "noticeId": notice["_id"],
                    "userId": reader["_id"],
                    "villageId": reader["regionId"],
                    "path": reader["path"],
                    "readAt": read_at,
                    "acknowledgedAt": read_at + timedelta(minutes=5) if acked else None,
                }
            )
    return receipts


def villager_documents(anchor: datetime, password_hash: str) -> list[dict[str, Any]]:
    """Six more villagers in each village of 孙家集街道, so the read counts mean something."""
    villages = [r for r in region_documents() if r.get("parentId") == SUNJIAJI]
    joined = anchor - NOTICE_EVERY * 80
    return [
        user_document(
            phone=f"1380003{n:04d}",
            password_hash=password_hash,
            name=SURNAMES[(n * 3) % len(SURNAMES)] + GIVEN[(n * 7 + 1) % len(GIVEN)],
            village=villages[n % len(villages)],
        )
        | {"_id": _object_id(4, n, joined), "createdAt": joined}
        for n in range(6 * len(villages))
    ]


async def seed_notices(db: Database, passwords: Passwords, *, anchor: datetime) -> None:
    township = await db.users.find_one({"phone": "13800000003"}, {"_id": 1})  # 张卫东
    county = await db.users.find_one({"phone": "13800000004"}, {"_id": 1})  # 刘志刚
    assert township is not None and county is not None
    villagers = villager_documents(anchor, "")
    known = {
        u["_id"]
        for u in await db.users.find(
            {"_id": {"$in": [v["_id"] for v in villagers]}}, {"_id": 1}
        ).to_list()
    }
    if missing := [v for v in villagers if v["_id"] not in known]:
        password_hash = await passwords.hash(DEMO_FARMER_PASSWORD)  # one hash, shared: demo only
        await insert_missing(db.users, [v | {"passwordHash": password_hash} for v in missing])
    docs = notice_documents(anchor, {"township": township["_id"], "county": county["_id"]})
    await insert_missing(db.notices, docs)
    # the demo farmer 王建国 and every farmer of 孙家集街道 but a few, who read nothing
    readers = await db.users.find(
        {"path": SUNJIAJI, "role": "FARMER"},
        {"regionId": 1, "path": 1, "phone": 1},
        sort=[("_id", 1)],
    ).to_list()
    demo = [r for r in readers if r["phone"] == "13800000001"]
    others = [r for r in readers if r["phone"] != "13800000001"]
    await insert_missing(db.notice_reads, receipt_documents(docs, demo + others[5:]))
