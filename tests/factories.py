"""Small helpers to talk to the API and build data, one call per fact a test needs."""

import base64
import itertools
from base64 import b64decode
from dataclasses import dataclass, field
from typing import Any

import httpx

from sannong.auth import Role
from sannong.db import Database
from sannong.seed.regions import village_code

_phones = itertools.count(13900000000)
PASSWORD = "test1234pass"
METRICS_TOKEN = "test-metrics-token"  # every test app serves /metrics to it

# Demo regions used by the tests (see sannong/seed/regions.py).
SUNJIAJI = "370783003000"  # 孙家集街道, 寿光市
LUOCHENG = "370783002000"  # 洛城街道, 寿光市
PROVINCE = "370000000000"

# (role, admin scope, expected error code) of the six kinds of caller, for a mutation on
# 孙家集街道 that only admins of it (or of a region above it) may call; None: allowed.
ONLY_ADMINS_OF_SUNJIAJI = [
    (None, None, "UNAUTHENTICATED"),
    (Role.FARMER, None, "FORBIDDEN"),
    (Role.EXPERT, None, "FORBIDDEN"),
    (Role.TOWNSHIP_ADMIN, SUNJIAJI, None),
    (Role.TOWNSHIP_ADMIN, LUOCHENG, "FORBIDDEN"),
    (Role.PLATFORM_ADMIN, PROVINCE, None),
]


def gid(type_name: str, key: str) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def region_id(code: str) -> str:
    return gid("Region", code)


def village_id(name: str) -> str:
    return region_id(village_code(name))


@dataclass
class Person:
    id: str
    phone: str
    token: str
    role: Role
    password: str = PASSWORD

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def key(self) -> str:
        """The database key inside the global ID."""
        return b64decode(self.id).decode().split(":", 1)[1]


@dataclass
class Api:
    http: httpx.AsyncClient
    db: Database
    people: list[Person] = field(default_factory=list)

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        as_: Person | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        headers = as_.headers if as_ else {}
        return await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
            **kwargs,
        )

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, as_: Person | None = None
    ) -> dict[str, Any]:
        response = await self.post(query, variables, as_)
        return response.json()

    async def metric(self, name: str) -> float:
        """The value of one sample of /metrics, e.g. `x_total{code="NOT_FOUND"}` (0 if absent)."""
        response = await self.http.get(
            "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
        for line in response.text.splitlines():
            if line.startswith(name + " "):
                return float(line.rpartition(" ")[2])
        return 0.0

    async def services_sms_send(self, phone: str) -> None:
        """Send an SMS through the running app's provider."""
        app = self.http._transport.app  # type: ignore[attr-defined]
        await app.state.services.sms.send(phone, "测试短信", purpose="test")

    async def person(
        self, role: Role = Role.FARMER, *, village: str = "孙家集村", scope: str | None = None
    ) -> Person:
        """Registers through the API, then sets the role directly (as a platform admin would)."""
        phone = str(next(_phones))
        result = await self.gql(
            """mutation($i: RegisterInput!) { register(input: $i) {
                 token user { id } userErrors { field message code } } }""",
            {
                "i": {
                    "phone": phone,
                    "password": PASSWORD,
                    "name": "测试用户",
                    "villageId": village_id(village),
                }
            },
        )
        payload = result["data"]["register"]
        assert payload["userErrors"] == [], payload
        if role is not Role.FARMER:
            scope_doc = await self.db.regions.find_one({"_id": scope}) if scope else None
            await self.db.users.update_one(
                {"phone": phone},
                {
                    "$set": {
                        "role": role.value,
                        "scopeRegionId": scope,
                        "scopePath": scope_doc["path"] if scope_doc else [],
                    }
                },
            )
        return Person(payload["user"]["id"], phone, payload["token"], role)


def codes(result: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]
