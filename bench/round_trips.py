"""Round trips and latency of the foundation, printed side by side in one run.

    make bench        (or: .venv/bin/python -m bench.round_trips)

Figures are for comparison within one run: these machines are shared and noisy.
"""

import asyncio
import base64
import statistics
import time
from typing import Any

import httpx

from sannong.api.app import create_app
from sannong.db.client import count_commands, open_client
from sannong.db.embedded import EmbeddedServer
from sannong.security import Passwords
from sannong.seed import DEMO_ACCOUNTS, seed
from sannong.settings import Settings

TREE = {
    1: "{ regions { name } }",
    2: "{ regions { children { name } } }",
    3: "{ regions { children { children { name } } } }",
    4: "{ regions { children { children { children { name } } } } }",
    5: "{ regions { children { children { children { children { name parent { name } } } } } } }",
}
LISTINGS = """query($n: Int) { listings(first: $n) { edges { node {
  title price seller { name } thumbnailUrl } } } }"""
HOME = """query($v: ID!) {
  me { name followedCommodities { name latestPrice { price changePct7d } } }
  alerts(regionId: $v) { title severity }
  listings(filter: { regionId: $v }, first: 10) { edges { node { title price seller { name } } } }
  articles(first: 5) { edges { node { title } } } }"""
LOGIN = "mutation($i: LoginInput!) { login(input: $i) { token userErrors { code } } }"


async def timed(http: httpx.AsyncClient, body: dict[str, Any], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        response = await http.post("/graphql", json=body)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return samples


def count_objects(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + sum(count_objects(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_objects(v) for v in value)
    return 0


async def main() -> None:
    server = EmbeddedServer(path=None)
    uri = server.start()
    settings = Settings(
        mongodb_uri=uri,
        database="bench",
        login_max_failures_per_phone=10_000,
        login_max_attempts_per_address=10_000,
    )
    app = create_app(settings, client=open_client(uri, 2000))
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    try:
        await seed(app.state.services.db, Passwords(settings), reset=True, price_days=14)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            print("region tree: database commands per request vs. objects returned")
            print(f"{'levels':>6} {'objects':>8} {'commands':>9} {'p50 ms':>8}")
            for levels, query in TREE.items():
                with count_commands() as tally:
                    response = await http.post("/graphql", json={"query": query})
                objects = count_objects(response.json()["data"])
                p50 = statistics.median(await timed(http, {"query": query}, 30))
                print(f"{levels:>6} {objects:>8} {tally.count:>9} {p50:>8.1f}")

            print("\nscreens: database commands do not grow with the page size")
            print(f"{'screen':<18} {'objects':>8} {'commands':>9} {'p50 ms':>8}")
            farmer = DEMO_ACCOUNTS[0]
            login = await http.post(
                "/graphql",
                json={
                    "query": LOGIN,
                    "variables": {"i": {"phone": farmer.phone, "password": farmer.password}},
                },
            )
            token = login.json()["data"]["login"]["token"]
            http.headers["Authorization"] = f"Bearer {token}"
            village = base64.b64encode(b"Region:370783003201").decode()
            screens = [
                ("listings first 10", LISTINGS, {"n": 10}),
                ("listings first 100", LISTINGS, {"n": 100}),
                ("farmer home", HOME, {"v": village}),
            ]
            for name, query, variables in screens:
                body = {"query": query, "variables": variables}
                with count_commands() as tally:
                    response = await http.post("/graphql", json=body)
                objects = count_objects(response.json()["data"])
                p50 = statistics.median(await timed(http, body, 20))
                print(f"{name:<18} {objects:>8} {tally.count:>9} {p50:>8.1f}")
            del http.headers["Authorization"]

            known = await timed(
                http,
                {
                    "query": LOGIN,
                    "variables": {"i": {"phone": farmer.phone, "password": "wrongpass1"}},
                },
                10,
            )
            unknown = await timed(
                http,
                {
                    "query": LOGIN,
                    "variables": {"i": {"phone": "13912345678", "password": "wrongpass1"}},
                },
                10,
            )
            k, u = statistics.median(known), statistics.median(unknown)
            print("\nfailed login, production argon2id parameters (median of 10)")
            print(f"known phone {k:.1f} ms   unknown phone {u:.1f} ms   ratio {u / k:.2f}")
    finally:
        await lifespan.__aexit__(None, None, None)
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
