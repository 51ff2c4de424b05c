"""One demo account per role; the README lists the same ones."""

from dataclasses import dataclass

from sannong.auth import Role
from sannong.db import Database
from sannong.rules.accounts import create_user
from sannong.security import Passwords
from sannong.seed import progress
from sannong.seed.regions import village_code


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    name: str
    phone: str
    password: str
    village: str
    scope: str | None = None  # region code an admin administers


DEMO_ACCOUNTS = (
    DemoAccount(Role.FARMER, "王建国", "13800000001", "nongmin2026", "三元朱村"),
    DemoAccount(Role.EXPERT, "李明华", "13800000002", "zhuanjia2026", "东斟灌村"),
    DemoAccount(
        Role.TOWNSHIP_ADMIN,
        "张卫东",
        "13800000003",
        "xiangzhen2026",
        "孙家集村",
        scope="370783003000",
    ),
    DemoAccount(
        Role.PLATFORM_ADMIN, "刘志刚", "13800000004", "pingtai2026", "屯田村", scope="370000000000"
    ),
)


async def seed_accounts(db: Database, passwords: Passwords) -> None:
    for account in DEMO_ACCOUNTS:
        if await db.users.find_one({"phone": account.phone}, {"_id": 1}):
            continue
        village = await db.regions.find_one({"_id": village_code(account.village)})
        scope = await db.regions.find_one({"_id": account.scope}) if account.scope else None
        assert village is not None
        await create_user(
            db,
            passwords,
            phone=account.phone,
            password=account.password,
            name=account.name,
            village=village,
            role=account.role,
            scope=scope,
        )
        progress.wrote(1)
