"""One anonymous client flooding the API cannot take it from the others: a real
`sannong serve`; one client (its own process, so its load is not the observer's) sends
invalid documents on 50 connections without pause, while another client, from another
address, asks its questions and the health endpoints."""

import asyncio
import json
import sys
from pathlib import Path

import httpx

from tests.servers import serving

FLOOD_CONNECTIONS = 50
# Runs until its stdin closes; says "flooding" once 200 answers came, then its tally.
FLOOD = """
import asyncio, collections, json, sys
import httpx

INVALID = "{ " + " ".join(f"f{n}" for n in range(900)) + " }"  # in every limit, invalid


async def main(url: str, connections: int) -> None:
    statuses, refusal, stop = collections.Counter(), None, asyncio.Event()
    transport = httpx.AsyncHTTPTransport(
        local_address="127.0.0.1", limits=httpx.Limits(max_connections=connections)
    )
    async with httpx.AsyncClient(base_url=url, transport=transport, timeout=120) as http:

        async def flood() -> None:
            nonlocal refusal
            while not stop.is_set():
                response = await http.post("/graphql", json={"query": INVALID})
                statuses[response.status_code] += 1
                if response.status_code == 429 and refusal is None:
                    refusal = response.json()
                if sum(statuses.values()) == 200:
                    print("flooding", flush=True)

        tasks = [asyncio.create_task(flood()) for _ in range(connections)]
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)
        stop.set()
        await asyncio.gather(*tasks)
    print(json.dumps({"statuses": statuses, "refusal": refusal}), flush=True)


asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


async def test_a_flooding_client_is_refused_while_others_and_health_are_answered(
    mongodb_uri: str, db_name: str, tmp_path: Path
) -> None:
    limits = {
        "graphql_in_flight_per_client": "8",
        "graphql_per_second_per_client": "20",
        "graphql_burst_per_client": "60",
    }
    async with serving(mongodb_uri, db_name, tmp_path, **limits) as server:
        flooder = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            FLOOD,
            server.url,
            str(FLOOD_CONNECTIONS),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert flooder.stdin is not None and flooder.stdout is not None
        try:
            line = await asyncio.wait_for(flooder.stdout.readline(), 120)
            assert line.strip() == b"flooding"
            transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
            async with httpx.AsyncClient(
                base_url=server.url, transport=transport, timeout=120
            ) as neighbour:
                for _ in range(5):
                    health = await neighbour.get("/healthz")
                    ready = await neighbour.get("/readyz")
                    regions = await neighbour.post(
                        "/graphql", json={"query": "{ regions { name } }"}
                    )
                    # Statuses, not timings (the machine is shared): answered, and the
                    # database, busy or not, is not called down.
                    assert health.status_code == 200
                    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
                    assert regions.status_code == 200
                    assert regions.json()["data"]["regions"][0]["name"] == "山东省"
        finally:
            flooder.stdin.close()
            tally = json.loads(await asyncio.wait_for(flooder.stdout.readline(), 120))
            await flooder.wait()
    statuses = {int(status): count for status, count in tally["statuses"].items()}
    assert statuses.get(429, 0) > 0 and statuses.get(400, 0) > 0, statuses
    assert set(statuses) <= {400, 429}, statuses
    refusal = tally["refusal"]
    assert [e["extensions"]["code"] for e in refusal["errors"]] == ["RATE_LIMITED"]
    assert "频繁" in refusal["errors"][0]["message"]
