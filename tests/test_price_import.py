import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from sannong.db import Database
from sannong.integrations.sms import OutboxSms
from sannong.rules.price_import import ImportFailed, import_prices
from tests.prices_helpers import SUNJIAJI_MARKET, days_ago, report_count, stored_report

pytestmark = pytest.mark.usefixtures("catalog")


def csv_text() -> str:
    d0, d1 = days_ago(0), days_ago(1)
    return "\n".join(
        [
            "date,market,commodity,unit,low,avg,high",
            f"{d1},寿光农产品物流园,玉米,元/公斤,2.20,2.30,2.40",
            f"{d0},寿光农产品物流园,玉米,元/公斤,2.25,2.35,2.45",
            f"{d0},{SUNJIAJI_MARKET},wheat,元/斤,1.20,1.25,1.30",
            f"{d0},寿光农产品物流园,西红柿,元/公斤,-1,4.00,5.00",
            f"{d0},寿光农产品物流园,独角兽,元/公斤,1,2,3",
            f"{days_ago(-2)},寿光农产品物流园,黄瓜,元/公斤,3,3.5,4",
        ]
    )


def feed() -> dict:
    """The wholesale-market (新发地) JSON shape: prices per 斤, a publication timestamp."""
    day = f"{days_ago(0)} 00:00:00"
    return {
        "count": 3,
        "list": [
            {
                "prodName": "大白菜",
                "lowPrice": "0.50",
                "avgPrice": "0.60",
                "highPrice": "0.70",
                "unitInfo": "斤",
                "pubDate": day,
                "place": "冀",
            },
            {
                "prodName": "苹果",
                "lowPrice": "3.00",
                "avgPrice": "3.50",
                "highPrice": "4.00",
                "unitInfo": "斤",
                "pubDate": day,
            },
            {
                "prodName": "仔猪",
                "lowPrice": "400",
                "avgPrice": "420",
                "highPrice": "450",
                "unitInfo": "斤",
                "pubDate": day,
            },
        ],
    }


@pytest.fixture
async def feed_server() -> AsyncIterator[str]:
    """A real HTTP server on loopback serving the feeds, as a market's website would."""

    async def prices_json(request: web.Request) -> web.Response:
        return web.json_response(feed())

    async def prices_csv(request: web.Request) -> web.Response:
        return web.Response(text=csv_text(), content_type="text/csv", charset="utf-8")

    app = web.Application()
    app.router.add_get("/prices.json", prices_json)
    app.router.add_get("/api/prices", prices_csv)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_importing_the_same_csv_file_twice_leaves_the_same_reports(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "prices.csv"
    path.write_text(csv_text(), encoding="utf-8")
    seen: list[tuple[int, int]] = []
    first = await import_prices(
        db, str(path), sms=OutboxSms(db), progress=lambda d, t: seen.append((d, t))
    )
    assert (first.rows, first.stored, first.skipped) == (6, 3, 0)
    assert first.rejected == [
        "第 5 行：最低价必须大于 0",
        "第 6 行：未知品种「独角兽」",
        "第 7 行：日期不能晚于今天",
    ]
    assert seen == [(0, 3), (3, 3)]
    reports = await report_count(db)
    second = await import_prices(db, str(path), sms=OutboxSms(db))
    assert (second.stored, second.skipped) == (0, 3)
    assert await report_count(db) == reports == 3
    wheat = await stored_report(db, "wheat", SUNJIAJI_MARKET, days_ago(0))
    assert (wheat["avg"], wheat["unit"], wheat["source"]) == (250, "元/公斤", "prices.csv")


async def test_a_csv_saved_by_excel_in_gbk_is_read(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_bytes(csv_text().encode("gb18030"))
    summary = await import_prices(db, str(path), sms=None)
    assert summary.stored == 3


async def test_json_feed_over_http_is_imported_for_the_given_market(
    db: Database, feed_server: str
) -> None:
    url = f"{feed_server}/prices.json"
    summary = await import_prices(db, url, sms=OutboxSms(db), market="寿光农产品物流园")
    assert (summary.rows, summary.stored) == (3, 2)
    assert summary.rejected == ["第 3 条：「仔猪」的价格单位应为 元/头，不是「斤」"]
    napa = await stored_report(db, "napa", SUNJIAJI_MARKET, days_ago(0))
    assert (napa["avg"], napa["source"]) == (120, url)
    again = await import_prices(db, url, sms=OutboxSms(db), market=SUNJIAJI_MARKET)
    assert (again.stored, again.skipped) == (0, 2)


async def test_csv_over_http_is_recognised_without_a_suffix(db: Database, feed_server: str) -> None:
    summary = await import_prices(db, f"{feed_server}/api/prices", sms=None)
    assert summary.stored == 3


async def test_unreadable_sources_fail_with_a_reason(
    db: Database, feed_server: str, tmp_path: Path
) -> None:
    with pytest.raises(ImportFailed, match="HTTP 404"):
        await import_prices(db, f"{feed_server}/missing.json", sms=None, market=SUNJIAJI_MARKET)
    with pytest.raises(ImportFailed, match="--market"):
        await import_prices(db, f"{feed_server}/prices.json", sms=None)
    bad = tmp_path / "bad.csv"
    bad.write_text("日期,品种\n2026-01-01,玉米\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="CSV 表头"):
        await import_prices(db, str(bad), sms=None)
    with pytest.raises(ImportFailed, match="找不到文件"):
        await import_prices(db, str(tmp_path / "none.csv"), sms=None)
    assert await report_count(db) == 0


@pytest.mark.slow
def test_the_command_prints_a_summary_and_is_idempotent(
    mongodb_uri: str, db_name: str, catalog: None, tmp_path: Path
) -> None:
    path = tmp_path / "prices.csv"
    path.write_text(csv_text(), encoding="utf-8")
    env = {**os.environ, "SANNONG_MONGODB_URI": mongodb_uri, "SANNONG_DATABASE": db_name}

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sannong.cli", "import-prices", str(path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    first, second = run(), run()
    assert first.returncode == second.returncode == 1  # some rows were rejected
    assert first.stdout.splitlines()[0] == (
        "导入完成：共 6 行，写入 3 行，跳过 0 行（与已有数据相同），拒绝 3 行"
    )
    assert "  第 6 行：未知品种「独角兽」" in first.stdout.splitlines()
    assert second.stdout.splitlines()[0] == (
        "导入完成：共 6 行，写入 0 行，跳过 3 行（与已有数据相同），拒绝 3 行"
    )
    assert "导入中" not in first.stderr  # no progress bar when not on a terminal


@pytest.mark.slow
def test_json_feed_without_market_is_refused_by_the_command(
    mongodb_uri: str, db_name: str, tmp_path: Path
) -> None:
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(feed(), ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "sannong.cli", "import-prices", str(path)],
        env={**os.environ, "SANNONG_MONGODB_URI": mongodb_uri, "SANNONG_DATABASE": db_name},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "请用 --market 指定市场" in done.stderr


@pytest.mark.slow
def test_the_command_shows_progress_on_a_terminal(
    mongodb_uri: str, db_name: str, catalog: None, tmp_path: Path
) -> None:
    import pty

    path = tmp_path / "prices.csv"
    path.write_text(csv_text(), encoding="utf-8")
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "sannong.cli", "import-prices", str(path)],
            env={**os.environ, "SANNONG_MONGODB_URI": mongodb_uri, "SANNONG_DATABASE": db_name},
            stdout=subprocess.PIPE,
            stderr=terminal,
            timeout=60,
        )
        shown = os.read(controller, 4096).decode()
    finally:
        os.close(controller)
        os.close(terminal)
    assert done.returncode == 1
    assert "导入中 [" in shown and "3/3" in shown
