"""Village finance disclosure (财务公开) as line items with checked totals.

The admin enters every income and expense line and the totals of the paper
statement; the totals must be the sums of the lines, to the fen, or nothing is
published. What comes back is ready for a chart (sums per category) and carries
a warning for every "其他" (other) line above 5 % of its side's total: lumped
spending is what villagers distrust most.
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

from sannong.money import MAX_PRICE_FEN, fen_to_yuan, yuan_to_fen
from sannong.validation import Checks

MAX_LINES = 200
MAX_LINE_FEN = 100_000_000_00  # one hundred million yuan: far above a village's year
OTHER_SHARE_LIMIT = Decimal("0.05")
OTHER_WORDS = ("其他", "其它", "杂项")

assert MAX_LINE_FEN > MAX_PRICE_FEN


class FinanceErrorCode(StrEnum):
    TOTAL_MISMATCH = "TOTAL_MISMATCH"
    STATEMENT_NOT_ALLOWED = "STATEMENT_NOT_ALLOWED"


class LineKind(Enum):
    INCOME = "INCOME"
    EXPENSE = "EXPENSE"


@dataclass(frozen=True)
class LineDraft:
    kind: LineKind
    category: str
    item: str
    amount: Decimal
    note: str | None = None


@dataclass(frozen=True)
class StatementDraft:
    period: str  # e.g. 2026 年第三季度
    lines: list[LineDraft]
    income_total: Decimal
    expense_total: Decimal


def is_other(category: str) -> bool:
    return category.startswith(OTHER_WORDS)


def _amount(checks: Checks, field: str, value: Decimal, label: str) -> int:
    fen = yuan_to_fen(value)
    if fen is None:
        checks.fail(field, f"{label}最多保留两位小数")
        return 0
    if not 0 <= fen <= MAX_LINE_FEN * MAX_LINES:
        checks.fail(field, f"{label}超出范围")
        return 0
    return fen


def checked_statement(checks: Checks, draft: StatementDraft) -> dict[str, Any] | None:
    """The statement as stored, or None with failures on `checks` (field `statement.…`)."""
    period = checks.text("statement.period", draft.period, label="公开期间", max_length=40)
    if not 1 <= len(draft.lines) <= MAX_LINES:
        checks.fail("statement.lines", f"收支明细应有 1 到 {MAX_LINES} 行")
        return None
    lines: list[dict[str, Any]] = []
    for index, line in enumerate(draft.lines):
        field = f"statement.lines.{index}"
        fen = _amount(checks, f"{field}.amount", line.amount, "金额")
        if fen == 0 or fen > MAX_LINE_FEN:
            checks.fail(f"{field}.amount", "每行金额应大于 0 且不超过 1 亿元")
        lines.append(
            {
                "kind": line.kind.value,
                "category": checks.text(
                    f"{field}.category", line.category, label="科目", max_length=20
                ),
                "item": checks.text(f"{field}.item", line.item, label="事项", max_length=60),
                "amountFen": fen,
                "note": checks.text(
                    f"{field}.note", line.note, label="备注", max_length=100, min_length=0
                ),
            }
        )
    declared = {
        LineKind.INCOME: _amount(checks, "statement.incomeTotal", draft.income_total, "收入合计"),
        LineKind.EXPENSE: _amount(
            checks, "statement.expenseTotal", draft.expense_total, "支出合计"
        ),
    }
    if checks.errors:
        return None
    for kind, label, field in (
        (LineKind.INCOME, "收入", "statement.incomeTotal"),
        (LineKind.EXPENSE, "支出", "statement.expenseTotal"),
    ):
        summed = sum(line["amountFen"] for line in lines if line["kind"] == kind.value)
        if summed != declared[kind]:
            checks.fail(
                field,
                f"{label}明细合计为 {fen_to_yuan(summed)} 元，与填写的{label}合计 "
                f"{fen_to_yuan(declared[kind])} 元不符",
                FinanceErrorCode.TOTAL_MISMATCH,
            )
    return {
        "period": period,
        "lines": lines,
        "incomeTotalFen": declared[LineKind.INCOME],
        "expenseTotalFen": declared[LineKind.EXPENSE],
    }


@dataclass(frozen=True)
class CategoryTotal:
    kind: LineKind
    category: str
    amount_fen: int
    share: Decimal  # of its side's total, 0..1


@dataclass(frozen=True)
class StatementWarning:
    line_index: int
    message: str
    share: Decimal


def _share(part: int, whole: int) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else Decimal(0)


def category_totals(statement: dict[str, Any]) -> list[CategoryTotal]:
    """Sums per (side, category) in the order categories first appear: the chart's data."""
    sums: dict[tuple[str, str], int] = {}
    for line in statement["lines"]:
        key = (line["kind"], line["category"])
        sums[key] = sums.get(key, 0) + line["amountFen"]
    totals = {
        LineKind.INCOME.value: statement["incomeTotalFen"],
        LineKind.EXPENSE.value: statement["expenseTotalFen"],
    }
    return [
        CategoryTotal(LineKind(kind), category, fen, _share(fen, totals[kind]))
        for (kind, category), fen in sums.items()
    ]


def statement_warnings(statement: dict[str, Any]) -> list[StatementWarning]:
    """Every "其他" line above 5 % of its side's total, with what the app shows."""
    totals = {
        LineKind.INCOME.value: statement["incomeTotalFen"],
        LineKind.EXPENSE.value: statement["expenseTotalFen"],
    }
    warnings = []
    for index, line in enumerate(statement["lines"]):
        share = _share(line["amountFen"], totals[line["kind"]])
        if is_other(line["category"]) and share > OTHER_SHARE_LIMIT:
            side = "收入" if line["kind"] == LineKind.INCOME.value else "支出"
            percent = (share * 100).quantize(Decimal("0.1"))
            warnings.append(
                StatementWarning(
                    index,
                    f"「{line['category']}·{line['item']}」{fen_to_yuan(line['amountFen'])} 元，"
                    f"占{side}合计的 {percent}%，超过 5%，应列明具体用途",
                    share,
                )
            )
    return warnings
