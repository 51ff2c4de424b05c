"""The region tree: province › city › county › township › village, and regions named in input."""

from enum import Enum, StrEnum
from typing import Any

from sannong.loaders import HasLoaders
from sannong.loaders.regions import RegionById
from sannong.validation import Checks


class RegionLevel(Enum):
    PROVINCE = "PROVINCE"
    CITY = "CITY"
    COUNTY = "COUNTY"
    TOWNSHIP = "TOWNSHIP"
    VILLAGE = "VILLAGE"


class RegionErrorCode(StrEnum):
    UNKNOWN_REGION = "UNKNOWN_REGION"


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
