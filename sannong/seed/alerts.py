"""A few weather and pest warnings in force around the time the demo is seeded."""

from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from sannong.db import Database
from sannong.rules.alerts import AlertKind, AlertSeverity, alert_document
from sannong.seed.batches import upsert_all

# (fixed id, kind, severity, title, body, advice, region codes, hours valid from now)
DEMO_ALERTS: tuple[tuple[str, str, str, str, str, str, list[str], int], ...] = (
    (
        "6a0000000000000000000001",
        "WEATHER",
        "BLUE",
        "寿光市寒潮蓝色预警",
        "受强冷空气影响，未来 48 小时寿光市气温将下降 8℃ 以上，最低气温零下 5℃，"
        "并伴有 5 至 6 级偏北风。",
        "加固大棚骨架和棚膜，夜间加盖保温被；露地蔬菜及时采收或覆盖防冻；畜禽圈舍做好保温。",
        ["370783000000"],
        48,
    ),
    (
        "6a0000000000000000000002",
        "PEST",
        "YELLOW",
        "设施番茄烟粉虱虫情预警",
        "近期孙家集街道部分大棚烟粉虱虫口密度上升，番茄黄化曲叶病毒病有扩散风险。",
        "风口加装 60 目防虫网，悬挂黄板，虫量大时选用螺虫乙酯、溴氰虫酰胺等药剂交替防治。",
        ["370783003000"],
        120,
    ),
    (
        "6a0000000000000000000003",
        "WEATHER",
        "ORANGE",
        "青州市霜冻橙色预警",
        "预计明晨青州市山区最低气温降至零下 6℃，将出现严重霜冻。",
        "果园可在凌晨熏烟防霜，未采收的果实抓紧采收入库，果树主干涂白或包草防冻。",
        ["370781000000"],
        36,
    ),
    (
        "6a0000000000000000000004",
        "ANIMAL_DISEASE",
        "YELLOW",
        "沂南县冬季动物疫病防控提示",
        "冬春季节是禽流感、非洲猪瘟等动物疫病高发期，沂南县部分乡镇出现外调生猪违规运输。",
        "严禁从疫区购进畜禽，做好圈舍消毒，发现病死畜禽立即报告乡镇畜牧站，不得私自处理。",
        ["371321000000"],
        240,
    ),
)


def alert_documents(now: datetime) -> list[dict[str, Any]]:
    return [
        alert_document(
            kind=AlertKind(kind),
            severity=AlertSeverity(severity),
            title=title,
            body=body,
            advice=advice,
            region_ids=regions,
            valid_from=now - timedelta(hours=6),
            valid_until=now + timedelta(hours=hours),
            created_at=now - timedelta(hours=6),
            created_by=None,
        )
        | {"_id": ObjectId(key)}
        for key, kind, severity, title, body, advice, regions, hours in DEMO_ALERTS
    ]


async def seed_alerts(db: Database) -> None:
    await upsert_all(db.alerts, alert_documents(datetime.now(UTC)))
