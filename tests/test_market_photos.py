import io
import json
import os
from typing import Any

import httpx
from PIL import Image

from tests.factories import Api, Person
from tests.market import create_listing, image_bytes

ADD = """mutation($i: AddListingPhotosInput!) { addListingPhotos(input: $i) {
    listing { photos { key url thumbnailUrl width height } thumbnailUrl }
    userErrors { field code } } }"""
PREFLIGHT = {"GraphQL-Preflight": "1"}


async def upload(
    api: Api,
    person: Person | None,
    listing_id: str,
    files: list[tuple[str, bytes, str]],
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    operations = {
        "query": ADD,
        "variables": {"i": {"listingId": listing_id, "photos": [None] * len(files)}},
    }
    mapping = {str(n): [f"variables.i.photos.{n}"] for n in range(len(files))}
    return await api.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps(mapping)},
        files={str(n): file for n, file in enumerate(files)},
        headers=(person.headers if person else {}) | (PREFLIGHT if headers is None else headers),
    )


def payload(response: httpx.Response) -> dict[str, Any]:
    return response.json()["data"]["addListingPhotos"]


async def test_jpeg_png_and_webp_photos_get_webp_thumbnails_served_with_cache_headers(
    api: Api,
) -> None:
    seller = await api.person()
    listing = await create_listing(api, seller)
    files = [
        ("a.jpg", image_bytes("JPEG", (2400, 1200)), "image/jpeg"),
        ("b.png", image_bytes("PNG"), "image/png"),
        ("c.webp", image_bytes("WEBP"), "image/webp"),
    ]
    result = payload(await upload(api, seller, listing["id"], files))
    assert result["userErrors"] == []
    photos = result["listing"]["photos"]
    assert len(photos) == 3
    assert (photos[0]["width"], photos[0]["height"]) == (1600, 800)
    assert result["listing"]["thumbnailUrl"] == photos[0]["thumbnailUrl"]
    thumb = await api.http.get(photos[0]["thumbnailUrl"])
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/webp"
    assert "immutable" in thumb.headers["cache-control"]
    assert Image.open(io.BytesIO(thumb.content)).size == (320, 160)
    again = await api.http.get(
        photos[0]["thumbnailUrl"], headers={"If-None-Match": thumb.headers["etag"]}
    )
    assert again.status_code == 304


async def test_renamed_script_is_not_a_photo(api: Api) -> None:
    seller = await api.person()
    listing = await create_listing(api, seller)
    script = b"#!/bin/sh\nrm -rf / --no-preserve-root\n"
    result = payload(await upload(api, seller, listing["id"], [("cai.jpg", script, "image/jpeg")]))
    assert [e["code"] for e in result["userErrors"]] == ["UNSUPPORTED_PHOTO"]
    fake_header = b"\xff\xd8\xff\xe0" + script  # JPEG magic bytes, not a JPEG
    result = payload(
        await upload(api, seller, listing["id"], [("x.jpg", fake_header, "image/jpeg")])
    )
    assert [e["code"] for e in result["userErrors"]] == ["UNSUPPORTED_PHOTO"]


async def test_six_megabyte_photo_is_refused(api: Api) -> None:
    seller = await api.person()
    listing = await create_listing(api, seller)
    big = image_bytes("JPEG") + os.urandom(6 * 1024 * 1024)
    result = payload(await upload(api, seller, listing["id"], [("big.jpg", big, "image/jpeg")]))
    assert [e["code"] for e in result["userErrors"]] == ["PHOTO_TOO_LARGE"]


async def test_seventh_photo_is_refused(api: Api) -> None:
    seller = await api.person()
    listing = await create_listing(api, seller)
    six = [(f"{n}.png", image_bytes("PNG", (10 + n, 10)), "image/png") for n in range(6)]
    assert payload(await upload(api, seller, listing["id"], six))["userErrors"] == []
    seventh = [("7.png", image_bytes("PNG", (40, 40)), "image/png")]
    result = payload(await upload(api, seller, listing["id"], seventh))
    assert [e["code"] for e in result["userErrors"]] == ["TOO_MANY_PHOTOS"]


async def test_upload_without_the_preflight_header_is_refused(api: Api) -> None:
    seller = await api.person()
    listing = await create_listing(api, seller)
    files = [("a.png", image_bytes("PNG"), "image/png")]
    response = await upload(api, seller, listing["id"], files, headers={})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    doc = await api.db.listings.find_one({"title": "自家种的大白菜"})
    assert doc is not None and doc["photos"] == []


async def test_upload_without_sign_in_is_refused(api: Api) -> None:
    seller = await api.person()
    listing = await create_listing(api, seller)
    files = [("a.png", image_bytes("PNG"), "image/png")]
    assert (await upload(api, None, listing["id"], files)).status_code == 401
    forged = Person(id=seller.id, phone=seller.phone, token="forged", role=seller.role)
    assert (await upload(api, forged, listing["id"], files)).status_code == 401


async def test_uploading_to_someone_elses_listing_is_forbidden(api: Api) -> None:
    seller, other = await api.person(), await api.person()
    listing = await create_listing(api, seller)
    response = await upload(api, other, listing["id"], [("a.png", image_bytes("PNG"), "image/png")])
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_json_body_keeps_the_small_cap_while_uploads_get_a_larger_one(api: Api) -> None:
    seller = await api.person()
    listing = await create_listing(api, seller)
    big_json = await api.http.post(
        "/graphql",
        content=json.dumps({"query": "{ me { id } }", "pad": "x" * (2 * 1024 * 1024)}),
        headers={"content-type": "application/json"},
    )
    assert big_json.status_code == 413
    photo = image_bytes("PNG", (900, 900))
    padded = photo + b"\0" * (2 * 1024 * 1024)  # 2 MB: over the JSON cap, under the photo cap
    result = payload(await upload(api, seller, listing["id"], [("a.png", padded, "image/png")]))
    assert result["userErrors"] == []


def encoded(image: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    image.close()
    return out.getvalue()


async def test_a_photo_of_tiny_bytes_and_huge_pixels_is_refused_before_decoding(
    api: Api,
) -> None:
    """A 5 KB one-bit PNG of 6320 × 6320 decodes to 40 MB, 160 MB once in colour: the
    header alone says so, and the photo is refused without being decoded."""
    seller = await api.person()
    listing = await create_listing(api, seller)
    bomb = encoded(Image.new("1", (6320, 6320)), "PNG", optimize=True)
    assert len(bomb) < 10_000
    files = [(f"{n}.png", bomb, "image/png") for n in range(6)]
    result = payload(await upload(api, seller, listing["id"], files))
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        ("photos.0", "PHOTO_TOO_LARGE")
    ]
    assert "像素" in (await _messages(api, seller, listing["id"], [files[0]]))[0]
    doc = await api.db.listings.find_one({})
    assert doc is not None and doc["photos"] == []


async def _messages(
    api: Api, person: Person, listing_id: str, files: list[tuple[str, bytes, str]]
) -> list[str]:
    query = ADD.replace("userErrors { field code }", "userErrors { field code message }")
    operations = {
        "query": query,
        "variables": {"i": {"listingId": listing_id, "photos": [None] * len(files)}},
    }
    mapping = {str(n): [f"variables.i.photos.{n}"] for n in range(len(files))}
    response = await api.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps(mapping)},
        files={str(n): file for n, file in enumerate(files)},
        headers=person.headers | PREFLIGHT,
    )
    return [e["message"] for e in response.json()["data"]["addListingPhotos"]["userErrors"]]


async def test_photos_within_the_pixels_but_costly_to_decode_are_refused(api: Api) -> None:
    """Under the pixel cap, the memory of the decode is what counts: a progressive JPEG
    keeps its coefficients for the whole image, a palette PNG is reduced in colour."""
    seller = await api.person()
    listing = await create_listing(api, seller)
    progressive = encoded(Image.new("RGB", (5600, 4200), "green"), "JPEG", progressive=True)
    palette = encoded(Image.new("P", (5600, 4200)), "PNG")
    for name, data in (("p.jpg", progressive), ("p.png", palette)):
        result = payload(await upload(api, seller, listing["id"], [(name, data, "image/jpeg")]))
        assert [e["code"] for e in result["userErrors"]] == ["PHOTO_TOO_LARGE"], name


async def test_a_large_phone_photo_is_decoded_reduced_and_stored(api: Api) -> None:
    """A 24-megapixel JPEG (baseline, as cameras save it) is within the limits: decoded at
    a quarter of its size, stored at 1600 pixels."""
    seller = await api.person()
    listing = await create_listing(api, seller)
    camera = encoded(Image.new("RGB", (6000, 4000), "orange"), "JPEG", quality=85)
    one_bit = encoded(Image.new("1", (4800, 4800), 1), "PNG")
    files = [("camera.jpg", camera, "image/jpeg"), ("scan.png", one_bit, "image/png")]
    result = payload(await upload(api, seller, listing["id"], files))
    assert result["userErrors"] == []
    sizes = [(photo["width"], photo["height"]) for photo in result["listing"]["photos"]]
    assert sizes == [(1600, 1067), (1600, 1600)]
