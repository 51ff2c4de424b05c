"""Commodities and wholesale markets: the reference data every price report points to."""

from dataclasses import dataclass
from typing import Any

from sannong.db import Database
from sannong.integrations.events import Topic, publish
from sannong.seed import progress
from sannong.seed.batches import upsert_all
from sannong.text import tokens

PER_KG = "元/公斤"
PER_HEAD = "元/头"


@dataclass(frozen=True)
class DemoCommodity:
    key: str
    name: str
    category: str
    unit: str
    base_yuan: float  # a typical wholesale price in Shandong
    swing: float  # seasonal amplitude as a share of the base price
    peak_month: int  # month of the seasonal high (vegetables: winter; fruit: before harvest)
    aliases: tuple[str, ...] = ()


COMMODITIES: tuple[DemoCommodity, ...] = (
    DemoCommodity("corn", "玉米", "GRAIN", PER_KG, 2.30, 0.06, 7, ("苞米", "玉米粒")),
    DemoCommodity("wheat", "小麦", "GRAIN", PER_KG, 2.50, 0.05, 4),
    DemoCommodity("rice", "稻谷", "GRAIN", PER_KG, 2.80, 0.04, 8, ("水稻", "粳稻")),
    DemoCommodity("soybean", "大豆", "GRAIN", PER_KG, 4.60, 0.05, 6, ("黄豆",)),
    DemoCommodity("peanut", "花生", "GRAIN", PER_KG, 7.60, 0.08, 7, ("花生米",)),
    DemoCommodity("millet", "小米", "GRAIN", PER_KG, 6.20, 0.05, 8),
    DemoCommodity("napa", "大白菜", "VEGETABLE", PER_KG, 1.20, 0.35, 2, ("白菜",)),
    DemoCommodity("radish", "白萝卜", "VEGETABLE", PER_KG, 1.40, 0.30, 3, ("萝卜",)),
    DemoCommodity("carrot", "胡萝卜", "VEGETABLE", PER_KG, 2.20, 0.20, 3),
    DemoCommodity("potato", "土豆", "VEGETABLE", PER_KG, 2.40, 0.20, 5, ("马铃薯",)),
    DemoCommodity("tomato", "西红柿", "VEGETABLE", PER_KG, 4.60, 0.30, 2, ("番茄",)),
    DemoCommodity("cucumber", "黄瓜", "VEGETABLE", PER_KG, 3.60, 0.35, 1),
    DemoCommodity("eggplant", "茄子", "VEGETABLE", PER_KG, 3.80, 0.30, 1),
    DemoCommodity("pepper", "青椒", "VEGETABLE", PER_KG, 4.60, 0.30, 2, ("辣椒", "尖椒")),
    DemoCommodity("spinach", "菠菜", "VEGETABLE", PER_KG, 4.20, 0.35, 7),
    DemoCommodity("celery", "芹菜", "VEGETABLE", PER_KG, 2.80, 0.30, 7),
    DemoCommodity("leek", "韭菜", "VEGETABLE", PER_KG, 4.80, 0.30, 1),
    DemoCommodity("scallion", "大葱", "VEGETABLE", PER_KG, 2.60, 0.25, 6, ("葱",)),
    DemoCommodity("garlic", "大蒜", "VEGETABLE", PER_KG, 6.00, 0.20, 4, ("蒜头",)),
    DemoCommodity("ginger", "生姜", "VEGETABLE", PER_KG, 7.50, 0.15, 9, ("姜",)),
    DemoCommodity("onion", "洋葱", "VEGETABLE", PER_KG, 1.80, 0.20, 4),
    DemoCommodity("zucchini", "西葫芦", "VEGETABLE", PER_KG, 2.80, 0.35, 1),
    DemoCommodity("lotus-root", "莲藕", "VEGETABLE", PER_KG, 5.00, 0.15, 7),
    DemoCommodity("cowpea", "豆角", "VEGETABLE", PER_KG, 6.00, 0.35, 1, ("豇豆",)),
    DemoCommodity("yam", "山药", "VEGETABLE", PER_KG, 6.50, 0.15, 8),
    DemoCommodity("shiitake", "香菇", "VEGETABLE", PER_KG, 9.00, 0.15, 8),
    DemoCommodity("apple", "苹果", "FRUIT", PER_KG, 6.50, 0.15, 8, ("红富士",)),
    DemoCommodity("pear", "梨", "FRUIT", PER_KG, 4.00, 0.15, 7, ("鸭梨",)),
    DemoCommodity("peach", "桃", "FRUIT", PER_KG, 5.00, 0.30, 4, ("桃子",)),
    DemoCommodity("grape", "葡萄", "FRUIT", PER_KG, 9.00, 0.25, 5),
    DemoCommodity("watermelon", "西瓜", "FRUIT", PER_KG, 2.60, 0.40, 2),
    DemoCommodity("strawberry", "草莓", "FRUIT", PER_KG, 18.00, 0.35, 11),
    DemoCommodity("citrus", "柑橘", "FRUIT", PER_KG, 5.00, 0.20, 8, ("橘子",)),
    DemoCommodity("kiwi", "猕猴桃", "FRUIT", PER_KG, 9.00, 0.15, 8),
    DemoCommodity("hog", "生猪", "LIVESTOCK", PER_KG, 15.60, 0.10, 1, ("毛猪",)),
    DemoCommodity("pork", "猪肉", "LIVESTOCK", PER_KG, 25.00, 0.10, 1, ("白条猪",)),
    DemoCommodity("beef", "牛肉", "LIVESTOCK", PER_KG, 66.00, 0.05, 1),
    DemoCommodity("mutton", "羊肉", "LIVESTOCK", PER_KG, 70.00, 0.08, 12),
    DemoCommodity("chicken", "白条鸡", "LIVESTOCK", PER_KG, 16.00, 0.06, 1, ("鸡肉",)),
    DemoCommodity("egg", "鸡蛋", "LIVESTOCK", PER_KG, 9.00, 0.12, 9, ("蛋",)),
    DemoCommodity("piglet", "仔猪", "LIVESTOCK", PER_HEAD, 420.00, 0.15, 3, ("猪崽",)),
    DemoCommodity("grass-carp", "草鱼", "AQUATIC", PER_KG, 14.00, 0.10, 2),
    DemoCommodity("carp", "鲤鱼", "AQUATIC", PER_KG, 12.00, 0.10, 2),
    DemoCommodity("crucian", "鲫鱼", "AQUATIC", PER_KG, 18.00, 0.10, 2),
    DemoCommodity("shrimp", "南美白对虾", "AQUATIC", PER_KG, 45.00, 0.12, 1, ("对虾",)),
    DemoCommodity("green-tea", "绿茶", "TEA", PER_KG, 300.00, 0.10, 4, ("日照绿茶",)),
    DemoCommodity("black-tea", "红茶", "TEA", PER_KG, 240.00, 0.06, 4),
)


@dataclass(frozen=True)
class DemoMarket:
    key: str
    name: str
    region: str  # division code of the township or county the market is in
    categories: frozenset[str]  # what the market trades


def _trades(*categories: str) -> frozenset[str]:
    return frozenset(categories)


_ALL = _trades("GRAIN", "VEGETABLE", "FRUIT", "LIVESTOCK", "AQUATIC", "TEA")

# County markets trade everything; township markets their specialities (寿光: vegetables).
MARKETS: tuple[DemoMarket, ...] = (
    DemoMarket(
        "sg-logistics", "寿光农产品物流园", "370783003000", _trades("GRAIN", "VEGETABLE", "FRUIT")
    ),
    DemoMarket("sg-jiuxiang", "寿光九巷蔬菜批发市场", "370783002000", _trades("VEGETABLE")),
    DemoMarket("sg-jitai", "纪台镇蔬菜批发市场", "370783101000", _trades("VEGETABLE")),
    DemoMarket("sg-county", "寿光市农副产品综合批发市场", "370783000000", _ALL),
    DemoMarket("qz-wangfen", "王坟镇山货果品市场", "370781102000", _trades("FRUIT", "TEA")),
    DemoMarket("qz-miaozi", "庙子镇农贸市场", "370781103000", _trades("GRAIN", "LIVESTOCK")),
    DemoMarket("qz-mihe", "弥河镇果蔬批发市场", "370781104000", _trades("VEGETABLE", "FRUIT")),
    DemoMarket("qz-county", "青州市农产品批发市场", "370781000000", _ALL),
    DemoMarket(
        "yn-tongjing",
        "铜井镇农产品批发市场",
        "371321104000",
        _trades("GRAIN", "LIVESTOCK", "AQUATIC"),
    ),
    DemoMarket(
        "yn-mamuchi", "马牧池乡集贸市场", "371321203000", _trades("GRAIN", "VEGETABLE", "TEA")
    ),
    DemoMarket(
        "yn-yiwen", "依汶镇农副产品市场", "371321106000", _trades("LIVESTOCK", "AQUATIC", "FRUIT")
    ),
    DemoMarket("yn-county", "沂南县农产品批发市场", "371321000000", _ALL),
)


def commodity_documents() -> list[dict[str, Any]]:
    return [
        {
            "_id": c.key,
            "name": c.name,
            "aliases": list(c.aliases),
            "category": c.category,
            "unit": c.unit,
            "order": index,  # the order farmers are used to: grain first
            "searchTokens": tokens(c.name, *c.aliases),
        }
        for index, c in enumerate(COMMODITIES)
    ]


async def market_documents(db: Database) -> list[dict[str, Any]]:
    regions = {
        doc["_id"]: doc
        for doc in await db.regions.find(
            {"_id": {"$in": [m.region for m in MARKETS]}}, {"path": 1}
        ).to_list()
    }
    return [
        {
            "_id": m.key,
            "name": m.name,
            "regionId": m.region,
            "path": regions[m.region]["path"],
            "categories": sorted(m.categories),
        }
        for m in MARKETS
    ]


async def seed_catalog(db: Database) -> None:
    await upsert_all(db.commodities, commodity_documents())
    await upsert_all(db.markets, await market_documents(db))
    await publish(db, Topic.REFERENCE, audience=["commodities", "markets"], ids=[])


DEMO_FOLLOWS = ("corn", "tomato", "cucumber", "garlic")  # what the demo farmer grows


async def follow_demo_commodities(db: Database, phone: str) -> None:
    """Once: the demo farmer's own choices, made since, are kept."""
    followed = await db.users.update_one(
        {"phone": phone, "followedCommodityIds": {"$exists": False}},
        {"$set": {"followedCommodityIds": list(DEMO_FOLLOWS)}},
    )
    progress.wrote(followed.matched_count)
