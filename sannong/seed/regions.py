"""Demo region tree: one province, 2 cities, 3 counties, 9 townships, 45 villages."""

from typing import Any

from sannong.db import Database
from sannong.integrations.events import Topic, publish
from sannong.seed.batches import upsert_all

# (code, name, children); codes follow the 12-digit national division code layout.
TREE: tuple[str, str, list[Any]] = (
    "370000000000",
    "山东省",
    [
        (
            "370700000000",
            "潍坊市",
            [
                (
                    "370783000000",
                    "寿光市",
                    [
                        (
                            "370783002000",
                            "洛城街道",
                            ["东斟灌村", "西斟灌村", "屯田村", "南孙村", "北孙村"],
                        ),
                        (
                            "370783003000",
                            "孙家集街道",
                            ["三元朱村", "孙家集村", "胡营村", "石门董村", "前疃村"],
                        ),
                        (
                            "370783101000",
                            "纪台镇",
                            ["纪台村", "桂河村", "西朱村", "东头村", "北张村"],
                        ),
                    ],
                ),
                (
                    "370781000000",
                    "青州市",
                    [
                        (
                            "370781102000",
                            "王坟镇",
                            ["王坟村", "桃花源村", "胡林古村", "黄鹿井村", "上庄村"],
                        ),
                        (
                            "370781103000",
                            "庙子镇",
                            ["庙子村", "杨集村", "长秋村", "石河村", "黄坡村"],
                        ),
                        (
                            "370781104000",
                            "弥河镇",
                            ["弥河村", "小张村", "井塘村", "东坝村", "南马兰村"],
                        ),
                    ],
                ),
            ],
        ),
        (
            "371300000000",
            "临沂市",
            [
                (
                    "371321000000",
                    "沂南县",
                    [
                        (
                            "371321104000",
                            "铜井镇",
                            ["铜井村", "竹泉村", "岳庄村", "后峪子村", "黄崖村"],
                        ),
                        (
                            "371321203000",
                            "马牧池乡",
                            ["常山庄村", "马牧池村", "东辛庄村", "李家石河村", "梭庄村"],
                        ),
                        (
                            "371321106000",
                            "依汶镇",
                            ["依汶村", "北寨村", "石门村", "周家庄村", "大王庄村"],
                        ),
                    ],
                ),
            ],
        ),
    ],
)

LEVELS = ["PROVINCE", "CITY", "COUNTY", "TOWNSHIP", "VILLAGE"]


def region_documents() -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = []

    def visit(code: str, name: str, children: list[Any], path: list[str]) -> None:
        level = len(path)
        documents.append(
            {
                "_id": code,
                "name": name,
                "level": LEVELS[level],
                "parentId": path[-1] if path else None,
                "path": [*path, code],
            }
        )
        for index, child in enumerate(children, start=1):
            if isinstance(child, str):  # a village: code = township prefix + 2xx
                village = f"{code[:9]}{200 + index:03d}"
                documents.append(
                    {
                        "_id": village,
                        "name": child,
                        "level": "VILLAGE",
                        "parentId": code,
                        "path": [*path, code, village],
                    }
                )
            else:
                child_code, child_name, grandchildren = child
                visit(child_code, child_name, grandchildren, [*path, code])

    visit(*TREE, [])
    return documents


def village_code(name: str) -> str:
    return next(
        str(d["_id"]) for d in region_documents() if d["name"] == name and d["level"] == "VILLAGE"
    )


async def seed_regions(db: Database) -> None:
    await upsert_all(db.regions, region_documents())
    await publish(db, Topic.REFERENCE, audience=["regions"], ids=[])  # running servers reload
