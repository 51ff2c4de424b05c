"""The region tree: province › city › county › township › village, regions named in input,
and the platform admin's changes to the tree (a new region, a new name).

A region's `_id` is its 12-digit code, the national division code (GB/T 2260: province,
city, county, two digits each) followed by the statistical code of the township (three
digits) and the village (three digits), as the seed's tree has it:

    37 07 83 003 201   山东省 潍坊市 寿光市 孙家集街道 三元朱村

so a region's code repeats its parent's significant digits, adds its own (never all
zero), and ends in zeros. Codes and levels never change (everything on a region stores
its `path` of codes); only names do, and no document keeps a copy of a region's name:
names and full names are read through `RegionById` (kept per process, dropped on
`reference.changed`) when a screen or a message needs them.
"""

import re
from enum import Enum, StrEnum
from typing import Any

from pymongo.errors import DuplicateKeyError

from sannong.auth import Viewer, require_admin_of
from sannong.db import Database, Document
from sannong.errors import RuleError
from sannong.loaders import HasLoaders
from sannong.loaders.regions import RegionById
from sannong.rules import audit
from sannong.rules.reference import changed
from sannong.validation import Checks


class RegionLevel(Enum):
    PROVINCE = "PROVINCE"
    CITY = "CITY"
    COUNTY = "COUNTY"
    TOWNSHIP = "TOWNSHIP"
    VILLAGE = "VILLAGE"


class RegionErrorCode(StrEnum):
    UNKNOWN_REGION = "UNKNOWN_REGION"
    NO_LOWER_LEVEL = "NO_LOWER_LEVEL"  # a village has no children
    INVALID_REGION_CODE = "INVALID_REGION_CODE"
    REGION_CODE_TAKEN = "REGION_CODE_TAKEN"
    INVALID_REGION_NAME = "INVALID_REGION_NAME"
    REGION_NAME_TAKEN = "REGION_NAME_TAKEN"


LEVELS = list(RegionLevel)
# How many leading digits of the 12 a region of each level fills in.
SIGNIFICANT = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}
LEVEL_LABELS = {
    RegionLevel.PROVINCE: "省",
    RegionLevel.CITY: "市",
    RegionLevel.COUNTY: "县",
    RegionLevel.TOWNSHIP: "乡镇",
    RegionLevel.VILLAGE: "村",
}
CODE = re.compile(r"[0-9]{12}")  # ASCII only: `\d` would take any script's digits
NAME_MAX = 20
# Han characters (with the compatibility block), Latin letters and digits (a 社区 may be
# "1号社区"), and the marks Chinese place names use: 间隔号, parentheses, a hyphen.
NAME = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9·（）()\-]+")


async def region_of_input(
    context: HasLoaders,
    code: str,
    checks: Checks,
    field: str,
    *,
    level: RegionLevel | None = None,
) -> dict[str, Any] | None:
    """The region a person chose, or a failure on `checks` when it is not usable."""
    doc = await RegionById.of(context).load(code)
    if doc is None:
        checks.fail(field, "地区不存在", RegionErrorCode.UNKNOWN_REGION)
    elif level is not None and doc["level"] != level.value:
        checks.fail(
            field,
            "请选择到村一级" if level is RegionLevel.VILLAGE else "地区级别不符",
            RegionErrorCode.UNKNOWN_REGION,
        )
        return None
    return doc


def child_level(level: RegionLevel) -> RegionLevel | None:
    """The level of a region's children; None under a village."""
    index = LEVELS.index(level)
    return LEVELS[index + 1] if index + 1 < len(LEVELS) else None


def code_problem(code: str, parent: dict[str, Any], level: RegionLevel) -> str | None:
    """Why `code` cannot be the code of a new `level` region under `parent`, or None."""
    if not CODE.fullmatch(code):
        return "区划代码应为 12 位数字"
    above = SIGNIFICANT[RegionLevel(parent["level"])]
    own = SIGNIFICANT[level]
    if code[:above] != parent["_id"][:above]:
        return f"区划代码应以上级代码的前 {above} 位 {parent['_id'][:above]} 开头"
    if set(code[above:own]) == {"0"}:
        return f"区划代码第 {above + 1}–{own} 位是{LEVEL_LABELS[level]}的编号，不能全为 0"
    if own < len(code) and set(code[own:]) != {"0"}:
        return f"{LEVEL_LABELS[level]}的区划代码后 {len(code) - own} 位应为 0"
    return None


def check_name(checks: Checks, value: str) -> str | None:
    name = checks.text("name", value, label="地区名称", max_length=NAME_MAX)
    if name and not checks.errors and not NAME.fullmatch(name):
        checks.fail(
            "name",
            "地区名称只能包含汉字、字母、数字和 ·（）-",
            RegionErrorCode.INVALID_REGION_NAME,
        )
    return name


async def _sibling_named(
    db: Database, parent_code: str | None, name: str, other_than: str | None = None
) -> bool:
    # index regions(parentId, name), unique: also what settles two writers at once
    query: dict[str, Any] = {"parentId": parent_code, "name": name}
    if other_than is not None:
        query["_id"] = {"$ne": other_than}
    return await db.regions.find_one(query, {"_id": 1}) is not None


def _code_taken(code: str) -> tuple[str, str, RegionErrorCode]:
    return "code", f"区划代码 {code} 已被使用", RegionErrorCode.REGION_CODE_TAKEN


def _name_taken(name: str) -> RuleError:
    return RuleError(
        "name", f"同一上级下已有名为「{name}」的地区", RegionErrorCode.REGION_NAME_TAKEN
    )


async def _administered(
    context: HasLoaders, admin: Viewer, code: str, field: str
) -> dict[str, Any]:
    """The region `code`, refused unless it lies in the admin's subtree."""
    region = await RegionById.of(context).load(code)
    if region is None:
        raise RuleError(field, "地区不存在", RegionErrorCode.UNKNOWN_REGION)
    audit.concerns(region["path"], "Region", region["_id"])
    require_admin_of(admin, region["path"])
    return region


async def create_region(
    context: HasLoaders,
    admin: Viewer,
    *,
    parent_code: str,
    code: str,
    name: str,
) -> dict[str, Any]:
    """A platform admin adds a region under one of its subtree, one level below it."""
    db = context.db
    parent = await _administered(context, admin, parent_code, "parentId")
    level = child_level(RegionLevel(parent["level"]))
    if level is None:
        raise RuleError(
            "parentId", "村是最低一级，下面不能再添加地区", RegionErrorCode.NO_LOWER_LEVEL
        )
    checks = Checks()
    code = code.strip()
    problem = code_problem(code, parent, level)
    if problem is not None:
        checks.fail("code", problem, RegionErrorCode.INVALID_REGION_CODE)
    elif await db.regions.find_one({"_id": code}, {"_id": 1}) is not None:
        checks.fail(*_code_taken(code))
    name = check_name(checks, name) or ""
    if not checks.errors and await _sibling_named(db, parent["_id"], name):
        raise _name_taken(name)
    checks.raise_if_any()
    doc = {
        "_id": code,
        "name": name,
        "level": level.value,
        "parentId": parent["_id"],
        "path": [*parent["path"], code],
    }
    try:
        await db.regions.insert_one(doc)
    except DuplicateKeyError as error:  # the same code or name a moment ago
        if await db.regions.find_one({"_id": code}, {"_id": 1}) is not None:
            raise RuleError(*_code_taken(code)) from error
        raise _name_taken(name) from error
    audit.concerns(doc["path"], "Region", code, detail=name)
    await changed(db, "regions", [code])
    return doc


async def rename_region(
    context: HasLoaders, admin: Viewer, *, code: str, name: str
) -> dict[str, Any]:
    """A platform admin renames a region of its subtree; the name stays unique among
    its siblings. Nothing stores the old name, so every screen shows the new one."""
    db = context.db
    region = await _administered(context, admin, code, "id")
    checks = Checks()
    name = check_name(checks, name) or ""
    checks.raise_if_any()
    if await _sibling_named(db, region.get("parentId"), name, other_than=region["_id"]):
        raise _name_taken(name)
    try:
        await db.regions.update_one({"_id": region["_id"]}, {"$set": {"name": name}})
    except DuplicateKeyError as error:  # a sibling took the name a moment ago
        raise _name_taken(name) from error
    audit.concerns(region["path"], "Region", region["_id"], detail=f"{region['name']} → {name}")
    await changed(db, "regions", [region["_id"]])
    return region | {"name": name}


# -- reading -----------------------------------------------------------------------------

MAX_REGIONS = 1000  # one answer never carries more regions than this


async def regions(
    db: Database, parent_code: str | None, level: RegionLevel | None
) -> list[Document]:
    """Children of a region; with `level`, every region of that level (in the subtree of
    `parent_code` if given); with neither, the provinces. By code."""
    query: dict[str, Any] = {}
    if parent_code is not None:
        # index regions(path, _id) for a subtree, regions(parentId, _id) for children
        query = (
            {"path": parent_code, "_id": {"$ne": parent_code}}
            if level
            else {"parentId": parent_code}
        )
    if level is not None:
        query["level"] = level.value
    elif parent_code is None:
        query["level"] = RegionLevel.PROVINCE.value
    return await db.regions.find(query, sort=[("_id", 1)], limit=MAX_REGIONS).to_list()
