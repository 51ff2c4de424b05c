"""Who may call each account mutation: a table of (mutation × actor) → allowed or refused."""

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from sannong.auth import Role
from tests.factories import LUOCHENG, PROVINCE, SUNJIAJI, Api, Person, codes, region_id, village_id

ACTORS = ["anonymous", "farmer", "expert", "admin_here", "admin_elsewhere", "platform_admin"]
OK, FORBIDDEN, UNAUTHENTICATED = "ok", "FORBIDDEN", "UNAUTHENTICATED"


async def cast(api: Api) -> dict[str, Person | None]:
    return {
        "anonymous": None,
        "farmer": await api.person(village="三元朱村"),
        "expert": await api.person(Role.EXPERT, village="三元朱村"),
        "admin_here": await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI),
        "admin_elsewhere": await api.person(Role.TOWNSHIP_ADMIN, scope=LUOCHENG),
        "platform_admin": await api.person(Role.PLATFORM_ADMIN, scope=PROVINCE),
    }


type Call = Callable[[Api, Person | None, int], Awaitable[dict[str, Any]]]


async def register(api: Api, actor: Person | None, n: int) -> dict[str, Any]:
    return await api.gql(
        "mutation($i: RegisterInput!) { register(input: $i) { userErrors { code } } }",
        {
            "i": {
                "phone": f"1370000{n:04d}",
                "password": "abc12345x",
                "name": "新人",
                "villageId": village_id("三元朱村"),
            }
        },
        as_=actor,
    )


async def login(api: Api, actor: Person | None, n: int) -> dict[str, Any]:
    return await api.gql(
        "mutation($i: LoginInput!) { login(input: $i) { userErrors { code } } }",
        {"i": {"phone": f"1370001{n:04d}", "password": "abc12345x"}},
        as_=actor,
    )


async def logout(api: Api, actor: Person | None, n: int) -> dict[str, Any]:
    return await api.gql("mutation { logout }", as_=actor)


async def update_profile(api: Api, actor: Person | None, n: int) -> dict[str, Any]:
    return await api.gql(
        "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { userErrors { code } } }",
        {"i": {"name": "改个名"}},
        as_=actor,
    )


async def grant_role(api: Api, actor: Person | None, n: int) -> dict[str, Any]:
    target = await api.person(village="孙家集村")
    return await api.gql(
        """mutation($i: GrantRoleInput!) { grantRole(input: $i) { userErrors { code } } }""",
        {"i": {"userId": target.id, "role": "EXPERT"}},
        as_=actor,
    )


TABLE: dict[str, tuple[Call, dict[str, str]]] = {
    "register": (register, dict.fromkeys(ACTORS, OK)),
    "login": (login, dict.fromkeys(ACTORS, OK)),
    "logout": (logout, dict.fromkeys(ACTORS, OK) | {"anonymous": UNAUTHENTICATED}),
    "updateProfile": (update_profile, dict.fromkeys(ACTORS, OK) | {"anonymous": UNAUTHENTICATED}),
    "grantRole": (
        grant_role,
        dict.fromkeys(ACTORS, FORBIDDEN) | {"anonymous": UNAUTHENTICATED, "platform_admin": OK},
    ),
}


@pytest.mark.parametrize("mutation", list(TABLE))
async def test_authorization_table(api: Api, mutation: str) -> None:
    call, expected = TABLE[mutation]
    people = await cast(api)
    seen = {}
    for n, actor in enumerate(ACTORS):
        result = await call(api, people[actor], n)
        seen[actor] = codes(result)[0] if result.get("errors") else OK
    assert seen == expected


async def test_platform_admin_cannot_grant_outside_its_region(api: Api) -> None:
    county_admin = await api.person(Role.PLATFORM_ADMIN, scope="370781000000")  # 青州市
    target = await api.person(village="三元朱村")  # 寿光市
    result = await api.gql(
        """mutation($i: GrantRoleInput!) { grantRole(input: $i) { userErrors { code } } }""",
        {"i": {"userId": target.id, "role": "EXPERT"}},
        as_=county_admin,
    )
    assert codes(result) == ["FORBIDDEN"]
    inside = await api.person(village="桃花源村")  # 青州市
    result = await api.gql(
        """mutation($i: GrantRoleInput!) { grantRole(input: $i) { userErrors { code } } }""",
        {"i": {"userId": inside.id, "role": "TOWNSHIP_ADMIN", "regionId": region_id(SUNJIAJI)}},
        as_=county_admin,
    )
    assert codes(result) == ["FORBIDDEN"]  # the township administered lies outside its county
