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
import ctypes
import hashlib
import io
import re
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from PIL import Image, ImageOps

from sannong.errors import RuleError

FULL_SIZE = 1600  # longest side of the stored photo, enough for a phone screen
THUMB_SIZE = 320


def _load_malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, where the C library is glibc (None elsewhere, e.g. musl)."""
    try:
        trim: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


# What a phone camera makes (a 24-megapixel photo; larger sensors save binned 12 MP)
# and the memory one decode may hold: checked on the header, before decoding.
MAX_PIXELS = 24_000_000
MAX_DECODE_BYTES = 100 * 1024 * 1024
# Bytes per pixel as Pillow stores each mode; "1" and "P" are reduced as L and RGBA.
_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2}
_WORKING_MODE = {"1": "L", "P": "RGBA", "PA": "RGBA", "I;16": "L", "I;16B": "L", "I;16L": "L"}
_DECODER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="photo-decoder")
_malloc_trim = _load_malloc_trim()
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


def _too_large(field: str) -> RuleError:
    return RuleError(
        field,
        f"照片像素过多（最多 {MAX_PIXELS // 1_000_000:,} 百万像素），请缩小后再上传",
        PhotoErrorCode.PHOTO_TOO_LARGE,
    )


def _reduced_decoding(image: Image.Image) -> None:
    """A JPEG is decoded at 1/2, 1/4 or 1/8 of its size when that still covers the stored
    size: a 48-megapixel phone photo costs 3 megapixels of memory instead of 48."""
    if image.format == "JPEG":
        scale = FULL_SIZE / max(image.size)
        if scale < 1:
            wanted = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
            image.draft(None, wanted)


def decoding_cost(image: Image.Image) -> int:
    """Bytes that decoding `image` (opened, not loaded) will hold at once: the decoded
    pixels as Pillow stores them, the copy in the mode it is reduced in, and a progressive
    JPEG's coefficients, which libjpeg keeps for the whole image whatever the scale."""
    pixels = image.width * image.height
    cost = pixels * _BYTES_PER_PIXEL.get(image.mode, 4)
    working = _WORKING_MODE.get(image.mode)
    if working is not None:
        cost += pixels * _BYTES_PER_PIXEL.get(working, 4)
    if image.format == "JPEG" and image.info.get("progressive"):
        width, height = getattr(image, "_size_before_draft", image.size)
        cost += width * height * 6  # three components of 16-bit coefficients
    return cost


def _opened(data: bytes, field: str) -> Image.Image:
    """The image with only its header read, or why it may not be decoded."""
    refused = RuleError(field, "只能上传 JPG、PNG 或 WebP 图片", PhotoErrorCode.UNSUPPORTED_PHOTO)
    if not _looks_like_image(data):
        raise refused
    try:
        image: Image.Image = Image.open(io.BytesIO(data))
    except (OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refused from None
    if image.format not in _FORMATS:
        image.close()
        raise refused
    if image.width * image.height > MAX_PIXELS:
        image.close()
        raise _too_large(field)
    full_size = image.size
    _reduced_decoding(image)
    image._size_before_draft = full_size  # type: ignore[attr-defined]
    if decoding_cost(image) > MAX_DECODE_BYTES:
        image.close()
        raise _too_large(field)
    return image


def decode_photo(data: bytes, field: str) -> Photo:
    """The stored forms of an uploaded photo, or UNSUPPORTED_PHOTO / PHOTO_TOO_LARGE
    (CPU and memory bound: `decode_photos` runs it one at a time, off the event loop).

    Size and mode are read from the header and the cost of decoding is bounded before
    a pixel is decoded; the image is reduced to the stored size right after decoding,
    before any conversion or copy, so only one full-size buffer ever exists."""
    image = _opened(data, field)
    refused = RuleError(field, "只能上传 JPG、PNG 或 WebP 图片", PhotoErrorCode.UNSUPPORTED_PHOTO)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
        working = _WORKING_MODE.get(image.mode)
        if working is not None:  # reduce in a mode that averages well ("1" and "P" do not)
            image = _replaced(image, image.convert(working))
        image.thumbnail((FULL_SIZE, FULL_SIZE))  # in place, by `reduce` first: cheap
        image = _replaced(image, ImageOps.exif_transpose(image))
        if image.mode not in ("RGB", "RGBA"):
            image = _replaced(image, image.convert("RGBA" if "A" in image.mode else "RGB"))
        full, width, height = _webp(image, FULL_SIZE, 82)
        thumbnail, _, _ = _webp(image, THUMB_SIZE, 70)
    except (OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refused from None
    finally:
        image.close()
    key = hashlib.sha256(full).hexdigest()[:32]
    return Photo(key=key, width=width, height=height, full=full, thumbnail=thumbnail)


def _replaced(old: Image.Image, new: Image.Image | None) -> Image.Image:
    """`new`, with `old`'s pixels given back at once (not when the collector gets to it)."""
    if new is None or new is old:
        return old
    old.close()
    return new


def _decode_and_give_back(data: bytes, field: str) -> Photo:
    try:
        return decode_photo(data, field)
    finally:
        _give_memory_back()


def _give_memory_back() -> None:
    """glibc keeps freed memory in its heap for the next allocation; a decoded photo is
    tens of megabytes, and without this the process keeps its peak for good."""
    if _malloc_trim is not None:
        _malloc_trim(0)


async def decode_photos(contents: list[bytes], field: str = "photos") -> list[Photo]:
    """Each photo decoded in turn on the process's one decoding thread: however many
    requests upload at once, one photo's pixels are in memory at a time."""
    loop = asyncio.get_running_loop()
    photos = []
    for index, data in enumerate(contents):
        # A request that goes away takes its photos not yet started out of the queue.
        photos.append(
            await loop.run_in_executor(_DECODER, _decode_and_give_back, data, f"{field}.{index}")
        )
    return photos


@dataclass(frozen=True)
class PhotoLimits:
    """How many photos one thing may have, and how large each may be (from settings)."""

    count: int
    max_bytes: int


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
    photos = await decode_photos(contents)
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
                photo = (await decode_photos([data], "attachments"))[0]
            except RuleError as error:
                why = error.failures[0]
                if why.code == PhotoErrorCode.PHOTO_TOO_LARGE:
                    raise RuleError(
                        field, why.message, AttachmentErrorCode.ATTACHMENT_TOO_LARGE
                    ) from None
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
