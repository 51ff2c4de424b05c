"""`sannong serve | seed | export-schema | create-admin | import-prices`."""

import argparse
import asyncio
import getpass
import logging
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sannong.db import Database
from sannong.settings import Settings, get_settings


@contextmanager
def database_uri(settings: Settings, *, supervise: bool = False) -> Iterator[str]:
    """The configured MongoDB, the embedded server of a running `sannong serve`, or an
    embedded server started for as long as the block runs (restarted if it dies when
    `supervise`)."""
    if settings.mongodb_uri:
        yield settings.mongodb_uri
        return
    if _listening("127.0.0.1", settings.embedded_port):
        # `serve` owns the SQLite file; a second server on it would fight over the port.
        yield f"mongodb://127.0.0.1:{settings.embedded_port}/?directConnection=true"
        return
    from sannong.db.embedded import EmbeddedServer

    server = EmbeddedServer(path=settings.data_dir / "sannong.sqlite", port=settings.embedded_port)
    uri = server.start()
    if supervise:
        server.supervise()
    try:
        yield uri
    finally:
        server.stop()


def _listening(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def _exit_on_sigterm() -> None:
    # uvicorn re-raises the signal that stopped it; exiting through SystemExit
    # lets `database_uri` stop the embedded server cleanly.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    from sannong.logs import uvicorn_log_config

    return {
        # Named, not "auto": a missing uvloop or httptools fails the start instead of
        # quietly running on the slower asyncio loop and h11.
        "loop": "uvloop",
        "http": "httptools",
        "log_level": "warning",
        "log_config": uvicorn_log_config(),
        "access_log": False,  # the app logs one JSON line per request
        # X-Forwarded-For is believed only from the proxies named in the setting: uvicorn
        # would trust 127.0.0.1 by default, and then any local caller picks its address.
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "forwarded_allow_ips": settings.forwarded_allow_ips or None,
    }


def app_address(host: str, port: int) -> str:
    """The address to open in a browser: a server listening on every interface is
    reached on this machine through loopback (0.0.0.0 cannot be opened)."""
    if host in {"", "0.0.0.0", "::"}:
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def serve(args: argparse.Namespace, settings: Settings) -> None:
    import uvicorn

    from sannong.logs import configure_logging

    configure_logging(
        settings.log_level
    )  # the supervisor of the embedded database logs before the app starts
    _exit_on_sigterm()
    with database_uri(settings, supervise=True) as uri:
        os.environ["SANNONG_MONGODB_URI"] = uri  # the workers read it
        get_settings.cache_clear()
        address = app_address(args.host, args.port)
        # The app is what a newcomer opens; the API and the console are named after it.
        print(
            f"Sannong 正在运行，浏览器打开 {address}（农户应用；"
            f"工作台 {address}console，接口 {address}graphql）",
            flush=True,
        )
        uvicorn.run(
            "sannong.api.app:create_served_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            **uvicorn_options(settings),
        )


async def _with_db[T](settings: Settings, uri: str, work: Callable[[Database], Awaitable[T]]) -> T:
    from sannong.db.client import open_command_client

    client = open_command_client(uri)
    try:
        return await work(client[settings.database])
    finally:
        await client.close()


def seed(args: argparse.Namespace, settings: Settings) -> None:
    import time

    from sannong.logs import configure_logging
    from sannong.security import Passwords
    from sannong.seed import DEMO_ACCOUNTS, needs_seed
    from sannong.seed import seed as run_seed
    from sannong.seed.progress import LogProgress, Progress, TerminalProgress

    configure_logging(settings.log_level)
    progress: Progress = TerminalProgress() if sys.stderr.isatty() else LogProgress()
    started = time.monotonic()

    async def work(db: Database) -> bool:
        if args.if_empty and not args.reset and not await needs_seed(db):
            return False
        await run_seed(
            db,
            Passwords(settings),
            reset=args.reset,
            price_days=args.price_days,
            progress=progress,
        )
        return True

    from pymongo.errors import PyMongoError

    try:
        with database_uri(settings) as uri:
            seeded = asyncio.run(_with_db(settings, uri, work))
    except PyMongoError as error:
        logging.getLogger("sannong.seed").error("seed failed", exc_info=error)
        sys.exit("写入演示数据失败：数据库多次没有响应。再次运行 make run 会接着写完。")
    if seeded:
        print(f"演示数据已写入（用时 {time.monotonic() - started:.0f} 秒）")
    else:
        print("数据库已有数据，跳过演示数据")
    print("演示账号 (demo accounts):")
    for account in DEMO_ACCOUNTS:
        print(
            f"  {account.role.value:<15} {account.name}"
            f"  手机号 {account.phone}  密码 {account.password}"
        )


def export_schema(args: argparse.Namespace, settings: Settings) -> None:
    from sannong.api.schema import build_schema

    sys.stdout.write(build_schema(settings).as_str() + "\n")


ROLE_NAMES = {"EXPERT": "专家", "TOWNSHIP_ADMIN": "乡镇管理员", "PLATFORM_ADMIN": "平台管理员"}


def create_admin(args: argparse.Namespace, settings: Settings) -> None:
    from sannong.auth import Role
    from sannong.errors import RuleError
    from sannong.rules.accounts import check_password, check_phone, create_user, scope_problem
    from sannong.security import Passwords
    from sannong.validation import Checks

    role = Role(args.role)
    administers = role in (Role.TOWNSHIP_ADMIN, Role.PLATFORM_ADMIN)
    if administers and not args.region:
        sys.exit(f"{ROLE_NAMES[role.value]}需要 --region（管理的地区代码）")
    if not args.village and not args.region:
        sys.exit("请用 --village 给出所在村的地区代码")
    password = os.environ.get("SANNONG_ADMIN_PASSWORD") or getpass.getpass("密码: ")
    checks = Checks()
    phone = check_phone(checks, "phone", args.phone)
    check_password(checks, "password", password)
    name = checks.text("name", args.name, label="姓名", max_length=20)
    if checks.errors:
        sys.exit("; ".join(error.message for error in checks.errors))

    async def work(db: Database) -> None:
        scope = await db.regions.find_one({"_id": args.region}) if administers else None
        village = await db.regions.find_one({"_id": args.village or args.region})
        if village is None or (administers and scope is None):
            sys.exit("地区不存在，请先运行 sannong seed 或检查地区代码")
        if problem := scope_problem(role, scope):  # the same rule as grantRole
            sys.exit(problem)
        try:
            await create_user(
                db,
                Passwords(settings),
                phone=phone,
                password=password,
                name=name or "",
                village=village,
                role=role,
                scope=scope,
            )
        except RuleError as failed:
            sys.exit(str(failed))

    with database_uri(settings) as uri:
        asyncio.run(_with_db(settings, uri, work))
    where = f"，管理地区 {args.region}" if administers else ""
    print(f"已创建{ROLE_NAMES[role.value]} {name}{where}")


def _progress_bar(done: int, total: int) -> None:
    width = 30
    filled = width * done // total if total else width
    sys.stderr.write(f"\r导入中 [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def import_prices(args: argparse.Namespace, settings: Settings) -> None:
    import aiohttp

    from sannong.integrations.sms import sms_provider
    from sannong.rules.price_import import ImportFailed, ImportSummary
    from sannong.rules.price_import import import_prices as run_import

    async def work(db: Database) -> ImportSummary:
        async with aiohttp.ClientSession() as session:
            return await run_import(
                db,
                args.source,
                sms=sms_provider(db, settings, session),
                market=args.market,
                fmt=args.format,
                source_name=args.source_name,
                session=session,
                progress=_progress_bar if sys.stderr.isatty() else None,
            )

    try:
        with database_uri(settings) as uri:
            summary = asyncio.run(_with_db(settings, uri, work))
    except ImportFailed as failed:
        sys.exit(f"导入失败：{failed}")
    print("\n".join(summary.lines()))
    if summary.rejected:
        sys.exit(1)  # scripts notice rejected rows; the valid ones are stored


def main(argv: list[str] | None = None) -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="sannong", description="三农信息服务平台")
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("serve", help="serve the API (starts the embedded database if needed)")
    p.add_argument("--host", default=settings.host)
    p.add_argument("--port", type=int, default=settings.port)
    p.add_argument("--workers", type=int, default=settings.workers)
    p.set_defaults(run=serve)

    p = commands.add_parser("seed", help="write the demo data (idempotent)")
    p.add_argument("--reset", action="store_true", help="drop every collection first")
    p.add_argument(
        "--if-empty",
        action="store_true",
        help="only into an empty database, or to finish a demo seed that was stopped",
    )
    p.add_argument("--price-days", type=int, default=180, help="days of demo price history")
    p.set_defaults(run=seed)

    p = commands.add_parser("export-schema", help="print the GraphQL SDL")
    p.set_defaults(run=export_schema)

    p = commands.add_parser(
        "create-admin",
        help="create an expert, township admin or platform admin "
        "(password from SANNONG_ADMIN_PASSWORD or a prompt)",
    )
    p.add_argument("--phone", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--role", choices=list(ROLE_NAMES), default="PLATFORM_ADMIN")
    p.add_argument(
        "--region",
        help="division code of the region administered: a township for TOWNSHIP_ADMIN, "
        "a county or above for PLATFORM_ADMIN; experts administer none",
    )
    p.add_argument("--village", help="division code of the account's own village")
    p.set_defaults(run=create_admin)

    p = commands.add_parser(
        "import-prices",
        help="import daily prices from a CSV or JSON file or http(s) URL (idempotent)",
    )
    p.add_argument("source", help="file path or http(s) URL")
    p.add_argument("--format", choices=["csv", "json"], help="default: from the name or content")
    p.add_argument("--market", help="market ID or name for JSON feeds (one market per feed)")
    p.add_argument("--source-name", help="what reports record as their source")
    p.set_defaults(run=import_prices)

    args = parser.parse_args(argv)
    args.run(args, settings)


if __name__ == "__main__":
    main()
