"""Conversions of arguments every domain's resolvers share: uploads and regions."""

from typing import cast

import strawberry
from starlette.datastructures import UploadFile
from strawberry import relay
from strawberry.file_uploads import Upload

from sannong.context import Context
from sannong.errors import BadUserInput
from sannong.loaders.regions import RegionById
from sannong.types.common import node_key


async def read_files(
    uploads: list[Upload] | None, max_bytes: int
) -> list[tuple[str | None, bytes]]:
    """(file name, bytes) of each upload, read no further than one byte past the cap."""
    # Starlette hands strawberry its UploadFile for each file part of a multipart request.
    files = [cast(UploadFile, upload) for upload in uploads or []]
    return [(file.filename, await file.read(max_bytes + 1)) for file in files]


async def read_uploads(info: strawberry.Info[Context], uploads: list[Upload] | None) -> list[bytes]:
    """The bytes of each photo, read no further than one byte past the photo size cap."""
    files = await read_files(uploads, info.context.settings.photo_max_bytes)
    return [data for _, data in files]


async def region_path_of(info: strawberry.Info[Context], region_id: relay.GlobalID) -> list[str]:
    """The path (root-first codes) of the region an argument names; it must exist."""
    region = await RegionById.of(info.context).load(node_key(region_id, "Region", "regionId"))
    if region is None:
        raise BadUserInput("地区不存在", field="regionId")
    path: list[str] = region["path"]
    return path
