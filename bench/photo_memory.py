"""What photo uploads cost the API's memory, and whether it gives the memory back.

    make bench        (or: .venv/bin/python -m bench.photo_memory)

A real `sannong serve` (one process) on an in-memory embedded database. Four sellers
each send one `createListing` with six photos, all four at once, for each kind of photo:

- the 4,937-byte 1-bit PNG of 6320 x 6320 that took the API from 216 to 590 MB per
  request (refused now, from its header);
- the largest photos still accepted: a 1-bit PNG of 4890 x 4890 (24 MP, a few KB) and a
  24-megapixel camera JPEG.

Printed per kind: the server's resident memory (VmRSS) before, its peak while the
requests run (sampled every 20 ms), and the lowest within a minute after them, with the
acceptance bounds: peak at most 300 MB over the start, back within 50 MB of it.
"""

import asyncio
import io
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from sannong.db.client import open_client
from sannong.db.embedded import EmbeddedServer
from sannong.db.indexes import ensure_indexes
from sannong.seed.regions import seed_regions
from tests.factories import PASSWORD, village_id
from tests.market import CREATE, listing_input
from tests.servers import Server, serving

REQUESTS = 4
PHOTOS = 6
PEAK_BOUND_MB = 300
RETURN_BOUND_MB = 50
SETTLE_SECONDS = 60
MB = 1024 * 1024


def _encoded(image: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    image.close()
    return out.getvalue()


def _camera_jpeg() -> bytes:
    """6000 x 4000 with a gradient and some grain, baseline, about 4 MB (the cap is 5)."""
    gradient = Image.linear_gradient("L").resize((6000, 4000))
    grain = Image.effect_noise((6000, 4000), 8)
    image = Image.merge("RGB", (gradient, grain, gradient.transpose(Image.Transpose.ROTATE_180)))
    gradient.close()
    grain.close()
    return _encoded(image, "JPEG", quality=80)


KINDS = {
    "1-bit PNG 6320x6320 (the finding)": lambda: _encoded(Image.new("1", (6320, 6320)), "PNG"),
    "1-bit PNG 4890x4890 (largest accepted)": lambda: _encoded(
        Image.new("1", (4890, 4890), 1), "PNG"
    ),
    "JPEG 6000x4000 (24 MP camera photo)": _camera_jpeg,
}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def _seller(http: httpx.AsyncClient, phone: str) -> str:
    answer = await http.post(
        "/graphql",
        json={
            "query": """mutation($i: RegisterInput!) { register(input: $i) { token
                userErrors { code } } }""",
            "variables": {
                "i": {
                    "phone": phone,
                    "password": PASSWORD,
                    "name": "卖家",
                    "villageId": village_id("孙家集村"),
                }
            },
        },
    )
    token: str = answer.json()["data"]["register"]["token"]
    return token


async def _create_with_photos(http: httpx.AsyncClient, token: str, photo: bytes) -> list[str]:
    variables = {"i": listing_input() | {"photos": [None] * PHOTOS}}
    mapping = {str(n): [f"variables.i.photos.{n}"] for n in range(PHOTOS)}
    response = await http.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": CREATE, "variables": variables}),
            "map": json.dumps(mapping),
        },
        files={str(n): (f"{n}.img", photo, "application/octet-stream") for n in range(PHOTOS)},
        headers={"Authorization": f"Bearer {token}", "GraphQL-Preflight": "1"},
    )
    payload = response.json()["data"]["createListing"]
    return [error["code"] for error in payload["userErrors"]] or ["stored"]


async def _measure(server: Server, tokens: list[str], photo: bytes) -> dict[str, Any]:
    pid = server.process.pid
    start = rss_mb(pid)
    peak = start
    done = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_mb(pid))
            await asyncio.sleep(0.02)

    sampler = asyncio.create_task(sample())
    began = time.perf_counter()
    async with httpx.AsyncClient(base_url=server.url, timeout=300) as http:
        outcomes = await asyncio.gather(*(_create_with_photos(http, t, photo) for t in tokens))
    seconds = time.perf_counter() - began
    done.set()
    await sampler
    lowest = rss_mb(pid)
    settle_began = time.monotonic()
    while lowest - start > RETURN_BOUND_MB and time.monotonic() - settle_began < SETTLE_SECONDS:
        await asyncio.sleep(0.5)
        lowest = min(lowest, rss_mb(pid))
    return {
        "start": start,
        "peak": peak,
        "after": lowest,
        "settled_in": time.monotonic() - settle_began,
        "seconds": seconds,
        "outcome": sorted({code for outcome in outcomes for code in outcome}),
    }


async def main() -> None:
    photos = {kind: make() for kind, make in KINDS.items()}
    embedded = EmbeddedServer(path=None)
    uri = embedded.start()
    try:
        client = open_client(uri, 10_000)
        await ensure_indexes(client["bench_photos"])
        await seed_regions(client["bench_photos"])
        await client.close()
        with tempfile.TemporaryDirectory() as data_dir:
            async with serving(uri, "bench_photos", Path(data_dir)) as server:
                async with httpx.AsyncClient(base_url=server.url) as http:
                    tokens = [await _seller(http, f"1390000{n:04d}") for n in range(REQUESTS)]
                print(f"{REQUESTS} concurrent createListing requests of {PHOTOS} photos each")
                print("| photo | bytes | outcome | s | RSS start MB | peak MB | after MB |")
                print("| --- | --- | --- | --- | --- | --- | --- |")
                failed = []
                for kind, photo in photos.items():
                    m = await _measure(server, tokens, photo)
                    print(
                        f"| {kind} | {len(photo):,} | {', '.join(m['outcome'])} "
                        f"| {m['seconds']:.1f} | {m['start']:.0f} | {m['peak']:.0f} "
                        f"(+{m['peak'] - m['start']:.0f}) | {m['after']:.0f} "
                        f"(+{m['after'] - m['start']:.0f}, {m['settled_in']:.0f} s) |"
                    )
                    if m["peak"] - m["start"] > PEAK_BOUND_MB:
                        failed.append(f"{kind}: peak over +{PEAK_BOUND_MB} MB")
                    if m["after"] - m["start"] > RETURN_BOUND_MB:
                        failed.append(f"{kind}: not back within {RETURN_BOUND_MB} MB")
                print("- bounds:", "held" if not failed else "NOT held: " + "; ".join(failed))
    finally:
        embedded.stop()


if __name__ == "__main__":
    asyncio.run(main())
