"""`sannong create-admin --role` makes experts, township and platform admins under the
same scope rule as `grantRole`."""

import asyncio
import os
import sys

import pytest

from sannong.auth import Role
from sannong.db import Database
from sannong.seed.regions import village_code
from tests.factories import SUNJIAJI, Api, gid

SHOUGUANG = "370783000000"  # a county
PASSWORD = "guanli2026pass"
SIGN_IN = """mutation($i: LoginInput!) { login(input: $i) {
  user { role adminRegion { name } } userErrors { code } } }"""


async def create_admin(mongodb_uri: str, database: str, *args: str) -> tuple[int, str]:
    env = {
        **os.environ,
        "SANNONG_MONGODB_URI": mongodb_uri,
        "SANNONG_DATABASE": database,
        "SANNONG_ADMIN_PASSWORD": PASSWORD,
        "SANNONG_ARGON2_MEMORY_KIB": "8",
        "SANNONG_ARGON2_TIME_COST": "1",
        "SANNONG_ARGON2_PARALLELISM": "1",
    }
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "sannong.cli", "create-admin", "--name", "管理员", *args),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("phone", "args", "role", "administers"),
    [
        (
            "13700000001",
            ["--role", "TOWNSHIP_ADMIN", "--region", SUNJIAJI],
            "TOWNSHIP_ADMIN",
            "孙家集街道",
        ),
        (
            "13700000002",
            ["--role", "EXPERT", "--village", village_code("三元朱村")],
            "EXPERT",
            None,
        ),
        ("13700000003", ["--region", SHOUGUANG], "PLATFORM_ADMIN", "寿光市"),  # the default role
    ],
)
async def test_create_admin_makes_each_role_that_can_sign_in(
    api: Api,
    db_name: str,
    mongodb_uri: str,
    phone: str,
    args: list[str],
    role: str,
    administers: str | None,
) -> None:
    code, output = await create_admin(mongodb_uri, db_name, "--phone", phone, *args)
    assert code == 0, output
    result = await api.gql(SIGN_IN, {"i": {"phone": phone, "password": PASSWORD}})
    user = result["data"]["login"]["user"]
    assert user["role"] == role
    assert user["adminRegion"] == (administers and {"name": administers})


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--role", "TOWNSHIP_ADMIN", "--region", SHOUGUANG],
            "乡镇管理员应管理乡镇（街道）一级的地区",
        ),
        (["--role", "PLATFORM_ADMIN", "--region", SUNJIAJI], "平台管理员应管理县级或以上地区"),
        (["--role", "TOWNSHIP_ADMIN"], "乡镇管理员需要 --region"),
        (["--role", "EXPERT"], "请用 --village"),
    ],
)
async def test_create_admin_refuses_a_scope_grant_role_would_refuse(
    db: Database, db_name: str, mongodb_uri: str, args: list[str], message: str
) -> None:
    code, output = await create_admin(mongodb_uri, db_name, "--phone", "13700000009", *args)
    assert code != 0 and message in output
    assert await db.users.find_one({"phone": "13700000009"}) is None


async def test_grant_role_refuses_a_county_for_a_township_admin(api: Api) -> None:
    platform = await api.person(Role.PLATFORM_ADMIN, scope="370000000000")
    farmer = await api.person()
    result = await api.gql(
        """mutation($i: GrantRoleInput!) { grantRole(input: $i) {
             userErrors { field message code } } }""",
        {
            "i": {
                "userId": farmer.id,
                "role": "TOWNSHIP_ADMIN",
                "regionId": gid("Region", SHOUGUANG),
            }
        },
        as_=platform,
    )
    assert result["data"]["grantRole"]["userErrors"] == [
        {
            "field": "regionId",
            "message": "乡镇管理员应管理乡镇（街道）一级的地区",
            "code": "INVALID",
        }
    ]
