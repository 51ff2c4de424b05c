"""`sannong import-prices SOURCE`: price feeds from a file or an http(s) URL.

Two shapes are read:

    CSV   date,market,commodity,unit,low,avg,high      (market and commodity: ID or name)
    JSON  [{"prodName", "lowPrice", "avgPrice", "highPrice", "unitInfo", "pubDate"}, ...]
          or {"list": [...]}: the wholesale-market (新发地) shape; the market is given apart

Every row passes the same checks as `reportPrices`; storing is an upsert by
commodity:market:date, so importing the same feed twice changes nothing.
"""

import asyncio
import contextlib
import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from sannong.db import Database
from sannong.integrations.sms import SmsProvider
from sannong.rules.prices import MAX_ROWS, Catalog, PriceRow, check_rows, store_reports

CSV_COLUMNS = ("date", "market", "commodity", "unit", "low", "avg", "high")
MAX_BYTES = 20 * 1024 * 1024  # a year of a big market's prices is far smaller
FETCH_TIMEOUT_SECONDS = 30.0

type Progress = Callable[[int, int], None]


class ImportFailed(Exception):
    """The source as a whole cannot be read; the message is for the operator."""


@dataclass
class ImportSummary:
    rows: int = 0
    stored: int = 0  # new or changed reports
    skipped: int = 0  # identical to what was already stored
    rejected: list[str] = field(default_factory=list)  # one line per problem, with the row
    alerts_triggered: int = 0

    def lines(self) -> list[str]:
        rejected_rows = len({line.split("：", 1)[0] for line in self.rejected})
        out = [
            f"导入完成：共 {self.rows} 行，写入 {self.stored} 行，"
            f"跳过 {self.skipped} 行（与已有数据相同），拒绝 {rejected_rows} 行"
        ]
        out += [f"  {line}" for line in self.rejected]
        if self.alerts_triggered:
            out.append(f"触发价格提醒 {self.alerts_triggered} 条")
        return out


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


async def read_source(source: str, session: aiohttp.ClientSession | None = None) -> str:
    if not is_url(source):
        return await asyncio.to_thread(_read_file, Path(source))
    own = session is None
    session = session or aiohttp.ClientSession()
    try:
        async with session.get(
            source, timeout=aiohttp.ClientTimeout(total=FETCH_TIMEOUT_SECONDS)
        ) as response:
            if response.status != 200:
                raise ImportFailed(f"下载失败：HTTP {response.status}")
            body = await response.content.read(MAX_BYTES + 1)
            if len(body) > MAX_BYTES:
                raise ImportFailed("下载内容过大")
            return body.decode(response.charset or "utf-8").lstrip("\ufeff")
    except (aiohttp.ClientError, TimeoutError) as error:
        raise ImportFailed(f"下载失败：{type(error).__name__}") from error
    finally:
        if own:
            await session.close()


def _read_file(path: Path) -> str:
    if not path.is_file():
        raise ImportFailed(f"找不到文件 {path}")
    if path.stat().st_size > MAX_BYTES:
        raise ImportFailed("文件过大")
    raw = path.read_bytes()
    # gb18030: what Excel saves as "CSV" on a Chinese Windows
    for encoding in ("utf-8-sig", "gb18030"):
        with contextlib.suppress(UnicodeDecodeError):
            return raw.decode(encoding)
    raise ImportFailed("文件编码无法识别，请另存为 UTF-8")


def guess_format(source: str, text: str) -> str:
    name = source.split("?", 1)[0].lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".json"):
        return "json"
    return "json" if text.lstrip()[:1] in ("[", "{") else "csv"


def parse_csv(text: str) -> list[tuple[str, PriceRow]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    if not set(CSV_COLUMNS) <= set(header):
        raise ImportFailed(f"CSV 表头应为 {','.join(CSV_COLUMNS)}")
    reader.fieldnames = header
    return [
        (
            f"第 {number} 行",
            PriceRow(**{column: (record.get(column) or "").strip() for column in CSV_COLUMNS}),
        )
        for number, record in enumerate(reader, start=2)  # line 1 is the header
    ]


def parse_json(text: str, market: str | None) -> list[tuple[str, PriceRow]]:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFailed(f"JSON 格式错误（第 {error.lineno} 行）") from error
    items = data.get("list", data.get("data")) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ImportFailed("JSON 应为价格数组，或带 list 数组的对象")
    if not market:
        raise ImportFailed("JSON 价格数据请用 --market 指定市场")

    def text_of(item: Any, key: str) -> str:
        value = item.get(key) if isinstance(item, dict) else None
        return "" if value is None else str(value).strip()

    return [
        (
            f"第 {number} 条",
            PriceRow(
                date=text_of(item, "pubDate"),
                market=market,
                commodity=text_of(item, "prodName"),
                unit=text_of(item, "unitInfo"),
                low=text_of(item, "lowPrice"),
                avg=text_of(item, "avgPrice"),
                high=text_of(item, "highPrice"),
            ),
        )
        for number, item in enumerate(items, start=1)
    ]


async def import_prices(
    db: Database,
    source: str,
    *,
    sms: SmsProvider | None,
    market: str | None = None,
    fmt: str | None = None,
    source_name: str | None = None,
    session: aiohttp.ClientSession | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    text = await read_source(source, session)
    fmt = fmt or guess_format(source, text)
    labelled = parse_csv(text) if fmt == "csv" else parse_json(text, market)
    labels = [label for label, _ in labelled]
    reports, problems = check_rows([r for _, r in labelled], await Catalog.load(db))
    summary = ImportSummary(
        rows=len(labelled),
        rejected=[f"{labels[p.index]}：{p.message}" for p in problems],
    )
    name = source_name or (source if is_url(source) else Path(source).name)
    if progress:
        progress(0, len(reports))
    for start in range(0, len(reports), MAX_ROWS):
        result = await store_reports(db, reports[start : start + MAX_ROWS], source=name, sms=sms)
        summary.stored += result.stored
        summary.skipped += result.unchanged
        summary.alerts_triggered += result.alerts_triggered
        if progress:
            progress(min(start + MAX_ROWS, len(reports)), len(reports))
    return summary
