"""Photos and documents: checked by content, re-encoded, stored behind a small interface.

An upload is accepted only when its bytes are a JPEG, PNG or WebP that Pillow
can decode (a renamed script is refused whatever its name or content type).
It is re-encoded as WebP, which drops EXIF (phones put the farm's GPS position
there), and a small WebP thumbnail is made for lists. Keys are content hashes,
so a stored file never changes and may be cached for a year.

Notice attachments are photos (as above) or PDF files, recognised by their bytes
(`%PDF-` at the start, `%%EOF` near the end), never by their name: a program
renamed `通知.pdf` is refused. A PDF is stored as it came, under its content hash.
"""

import asyncio
import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from PIL import Image, ImageOps

from sannong.errors import RuleError

FULL_SIZE = 1600  # longest side of the stored photo, enough for a phone screen
THUMB_SIZE = 320
MAX_PIXELS = 40_000_000  # decompression bombs are refused before decoding
KEY = re.compile(r"[0-9a-f]{32}(-thumb)?\.webp|[0-9a-f]{32}\.pdf")
PDF_TAIL = 2048  # `%%EOF` ends a PDF, give or take trailing whitespace and junk
_FILENAME_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")
_FORMATS = {"JPEG", "PNG", "WEBP"}


class PhotoErrorCode(StrEnum):
    TOO_MANY_PHOTOS = "TOO_MANY_PHOTOS"
    PHOTO_TOO_LARGE = "PHOTO_TOO_LARGE"
    UNSUPPORTED_PHOTO = "UNSUPPORTED_PHOTO"


class AttachmentErrorCode(StrEnum):
    TOO_MANY_ATTACHMENTS = "TOO_MANY_ATTACHMENTS"
    ATTACHMENT_TOO_LARGE = "ATTACHMENT_TOO_LARGE"
    UNSUPPORTED_ATTACHMENT = "UNSUPPORTED_ATTACHMENT"


class PhotoStore(Protocol):
    """Where photo files live; local disk now, an object store later."""

    async def put(self, name: str, data: bytes) -> None: ...

    async def get(self, name: str) -> bytes | None: ...


class LocalPhotoStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, name: str) -> Path:
        if not KEY.fullmatch(name):  # names are ours, but never let one climb out of root
            raise ValueError("bad media name")
        return self.root / name[:2] / name

    async def put(self, name: str, data: bytes) -> None:
        await asyncio.to_thread(self._write, self._path(name), data)

    async def get(self, name: str) -> bytes | None:
        path = self._path(name)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(data)
        temporary.replace(path)  # readers never see half a file


@dataclass(frozen=True)
class Photo:
    key: str
    width: int
    height: int
    full: bytes
    thumbnail: bytes

    @property
    def doc(self) -> dict[str, str | int]:
        return {"key": self.key, "width": self.width, "height": self.height}


def photo_url(key: str) -> str:
    return f"/media/{key}.webp"


def thumbnail_url(key: str) -> str:
    return f"/media/{key}-thumb.webp"


def _looks_like_image(data: bytes) -> bool:
    return (
        data.startswith(b"\xff\xd8\xff")
        or data.startswith(b"\x89PNG\r\n\x1a\n")
        or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
    )


def _webp(image: Image.Image, size: int, quality: int) -> tuple[bytes, int, int]:
    copy = image.copy()
    copy.thumbnail((size, size))
    out = io.BytesIO()
    copy.save(out, "WEBP", quality=quality)
    return out.getvalue(), copy.width, copy.height


def decode_photo(data: bytes, field: str) -> Photo:
    """The stored forms of an uploaded photo, or UNSUPPORTED_PHOTO (CPU bound: run in a thread)."""
    refused = RuleError(field, "只能上传 JPG、PNG 或 WebP 图片", PhotoErrorCode.UNSUPPORTED_PHOTO)
    if not _looks_like_image(data):
        raise refused
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            if image.format not in _FORMATS or image.width * image.height > MAX_PIXELS:
                raise refused
            image.load()
        image = ImageOps.exif_transpose(image)
        image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
        full, width, height = _webp(image, FULL_SIZE, 82)
        thumbnail, _, _ = _webp(image, THUMB_SIZE, 70)
    except (OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refused from None
    key = hashlib.sha256(full).hexdigest()[:32]
    return Photo(key=key, width=width, height=height, full=full, thumbnail=thumbnail)


async def store_photos(
    store: PhotoStore, contents: list[bytes], *, already: int, limit: int, max_bytes: int
) -> list[Photo]:
    """Each photo checked by size and content; nothing is stored unless every one is fine.

    `contents` may hold one byte more than `max_bytes`: the reader stops there.
    """
    if already + len(contents) > limit:
        raise RuleError("photos", f"最多上传 {limit} 张照片", PhotoErrorCode.TOO_MANY_PHOTOS)
    for index, data in enumerate(contents):
        if len(data) > max_bytes:
            megabytes = max_bytes // (1024 * 1024)
            raise RuleError(
                f"photos.{index}", f"照片不能超过 {megabytes} MB", PhotoErrorCode.PHOTO_TOO_LARGE
            )
    photos = [
        await asyncio.to_thread(decode_photo, data, f"photos.{index}")
        for index, data in enumerate(contents)
    ]
    for photo in photos:
        await store.put(f"{photo.key}.webp", photo.full)
        await store.put(f"{photo.key}-thumb.webp", photo.thumbnail)
    return photos


@dataclass(frozen=True)
class Attachment:
    """A stored attachment: a PDF as sent, or a photo re-encoded like listing photos."""

    key: str
    kind: str  # "PDF" or "IMAGE"
    name: str  # what the file was called, for people; never used as a path
    size: int
    width: int | None = None
    height: int | None = None

    @property
    def doc(self) -> dict[str, str | int | None]:
        return {
            "key": self.key,
            "kind": self.kind,
            "name": self.name,
            "size": self.size,
            "width": self.width,
            "height": self.height,
        }


def attachment_url(kind: str, key: str) -> str:
    return f"/media/{key}.pdf" if kind == "PDF" else photo_url(key)


def _looks_like_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-PDF_TAIL:]


def display_name(filename: str | None, default: str) -> str:
    """The last part of an uploaded file's name, without control characters, ≤ 80 chars."""
    name = _FILENAME_UNSAFE.sub("", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    return name.strip()[:80] or default


async def store_attachments(
    store: PhotoStore, files: list[tuple[str | None, bytes]], *, limit: int, max_bytes: int
) -> list[Attachment]:
    """Each (file name, bytes) checked by size and content; nothing is stored unless every
    one is fine. `bytes` may hold one byte more than `max_bytes`: the reader stops there."""
    if len(files) > limit:
        raise RuleError(
            "attachments", f"最多上传 {limit} 个附件", AttachmentErrorCode.TOO_MANY_ATTACHMENTS
        )
    unsupported = "附件只能是 PDF 文件或 JPG、PNG、WebP 图片"
    checked: list[tuple[Attachment, list[tuple[str, bytes]]]] = []
    for index, (filename, data) in enumerate(files):
        field = f"attachments.{index}"
        if len(data) > max_bytes:
            megabytes = max_bytes // (1024 * 1024)
            raise RuleError(
                field, f"附件不能超过 {megabytes} MB", AttachmentErrorCode.ATTACHMENT_TOO_LARGE
            )
        if _looks_like_pdf(data):
            key = hashlib.sha256(data).hexdigest()[:32]
            name = display_name(filename, "附件.pdf")
            checked.append((Attachment(key, "PDF", name, len(data)), [(f"{key}.pdf", data)]))
        elif _looks_like_image(data):
            try:
                photo = await asyncio.to_thread(decode_photo, data, field)
            except RuleError:
                raise RuleError(
                    field, unsupported, AttachmentErrorCode.UNSUPPORTED_ATTACHMENT
                ) from None
            attachment = Attachment(
                photo.key,
                "IMAGE",
                display_name(filename, "图片"),
                len(photo.full),
                photo.width,
                photo.height,
            )
            files_of = [
                (f"{photo.key}.webp", photo.full),
                (f"{photo.key}-thumb.webp", photo.thumbnail),
            ]
            checked.append((attachment, files_of))
        else:
            raise RuleError(field, unsupported, AttachmentErrorCode.UNSUPPORTED_ATTACHMENT)
    for _, stored in checked:
        for name, content in stored:
            await store.put(name, content)
    return [attachment for attachment, _ in checked]
