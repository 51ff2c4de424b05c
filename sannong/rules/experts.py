"""Expert profiles: what an expert knows (specialties), where they serve, how they are rated.

A profile is one document in `experts` whose `_id` is the expert's user id; the
account's role (EXPERT, granted by a platform admin) says who may keep one. The
rating is kept as a sum and a count, changed only by `$inc`, so concurrent ratings
never lose one; the average is computed when it is read.
"""

from enum import Enum, StrEnum
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from sannong.auth import Role, Viewer, require_role
from sannong.clock import now
from sannong.db import Database, find_by_id
from sannong.db.pagination import Page, paginate
from sannong.errors import InputErrorCode
from sannong.loaders import HasLoaders
from sannong.rules.reference import changed
from sannong.rules.regions import region_of_input
from sannong.validation import Checks

MAX_REGIONS = 20


class Specialty(Enum):
    PLANT_PROTECTION = "PLANT_PROTECTION"  # 植物保护（病虫害）
    SOIL_FERTILIZER = "SOIL_FERTILIZER"  # 土壤肥料
    LIVESTOCK = "LIVESTOCK"  # 畜牧兽医
    AQUACULTURE = "AQUACULTURE"  # 水产养殖
    FRUIT_VEGETABLE = "FRUIT_VEGETABLE"  # 果树蔬菜
    MACHINERY = "MACHINERY"  # 农业机械
    FARM_ECONOMICS = "FARM_ECONOMICS"  # 农业经济与经营


SPECIALTY_NAMES = {
    Specialty.PLANT_PROTECTION: "植物保护",
    Specialty.SOIL_FERTILIZER: "土壤肥料",
    Specialty.LIVESTOCK: "畜牧兽医",
    Specialty.AQUACULTURE: "水产养殖",
    Specialty.FRUIT_VEGETABLE: "果树蔬菜",
    Specialty.MACHINERY: "农业机械",
    Specialty.FARM_ECONOMICS: "农业经济",
}


class ExpertErrorCode(StrEnum):
    NOT_AN_EXPERT = "NOT_AN_EXPERT"


def expert_document(
    *,
    user_id: ObjectId,
    specialties: list[Specialty],
    organization: str,
    title: str,
    bio: str,
    regions: list[dict[str, Any]],
    at: Any,
) -> dict[str, Any]:
    """A profile as stored (the seed builds its experts with it too)."""
    return {
        "_id": user_id,
        "specialties": [s.value for s in specialties],
        "organization": organization,
        "title": title,
        "bio": bio,
        "regionIds": [r["_id"] for r in regions],
        "answerCount": 0,
        "ratingSum": 0,
        "ratingCount": 0,
        "consultationCount": 0,
        "createdAt": at,
        "updatedAt": at,
    }


def rating_average(doc: dict[str, Any]) -> float | None:
    count: int = doc.get("ratingCount", 0)
    return round(doc.get("ratingSum", 0) / count, 2) if count else None


async def update_expert_profile(
    context: HasLoaders,
    viewer: Viewer | None,
    *,
    specialties: list[Specialty] | None,
    organization: str | None,
    title: str | None,
    bio: str | None,
    region_codes: list[str] | None,
) -> dict[str, Any]:
    """An expert writes their own profile; the first write creates it (specialties and
    regions are then required, so every profile can be found and routed to)."""
    db = context.db
    expert = require_role(viewer, Role.EXPERT)
    existing = await db.experts.find_one({"_id": expert.id}, {"_id": 1})
    checks = Checks()
    changes: dict[str, Any] = {
        "organization": checks.text("organization", organization, label="单位", max_length=40),
        "title": checks.text("title", title, label="职称", max_length=20, min_length=0),
        "bio": checks.text("bio", bio, label="简介", max_length=500, min_length=0),
    }
    changes = {key: value for key, value in changes.items() if value is not None}
    if specialties is not None:
        if not 1 <= len(set(specialties)) <= len(Specialty):
            checks.fail("specialties", "请至少选择一个专业方向", InputErrorCode.REQUIRED)
        changes["specialties"] = [s.value for s in dict.fromkeys(specialties)]
    elif existing is None:
        checks.fail("specialties", "请至少选择一个专业方向", InputErrorCode.REQUIRED)
    if region_codes is not None:
        codes = list(dict.fromkeys(region_codes))
        if not 1 <= len(codes) <= MAX_REGIONS:
            checks.fail("regionIds", f"服务地区应为 1 到 {MAX_REGIONS} 个", InputErrorCode.TOO_MANY)
        else:
            for code in codes:
                await region_of_input(context, code, checks, "regionIds")
        changes["regionIds"] = codes
    elif existing is None:
        checks.fail("regionIds", "请选择服务的地区", InputErrorCode.REQUIRED)
    checks.raise_if_any()
    at = now()
    defaults = expert_document(
        user_id=expert.id,
        specialties=[],
        organization="",
        title="",
        bio="",
        regions=[],
        at=at,
    )
    on_insert = {key: value for key, value in defaults.items() if key not in changes}
    for key in ("_id", "updatedAt"):
        on_insert.pop(key)
    doc = await db.experts.find_one_and_update(
        {"_id": expert.id},
        {"$set": changes | {"updatedAt": at}, "$setOnInsert": on_insert},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    assert doc is not None
    await changed(db, "experts", [expert.id])
    return doc


async def find_expert(db: Database, expert_id: ObjectId) -> dict[str, Any]:
    return await find_by_id(db.experts, expert_id, "专家不存在", "expertId")


# -- reading -----------------------------------------------------------------------------


async def browse_experts(
    db: Database,
    specialty: Specialty | None,
    region_path: list[str] | None,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """Experts of a specialty and serving a region (or a region above it), by `_id`."""
    query: dict[str, Any] = {}
    if specialty is not None:
        query["specialties"] = specialty.value  # index experts(specialties, _id)
    if region_path is not None:
        query["regionIds"] = {"$in": region_path}  # index experts(regionIds, _id)
    return await paginate(db.experts, query, descending=False, first=first, after=after)
