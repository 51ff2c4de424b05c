"""Finance disclosure: line items whose totals the server checks, sums per category for a
chart, and a warning for every 其他 line above 5 % of its side's total."""

from typing import Any

from tests.factories import Api
from tests.notices import PUBLISH, UPDATE, admin, notice_input

STATEMENT = """mutation($i: PublishNoticeInput!) { publishNotice(input: $i) {
    notice { id statement { period incomeTotal expenseTotal balance
      lines { kind category item amount }
      byCategory { kind category amount percent }
      warnings { lineIndex message percent } } }
    userErrors { field message code } } }"""


def line(kind: str, category: str, item: str, amount: str) -> dict[str, str]:
    return {"kind": kind, "category": category, "item": item, "amount": amount}


def statement(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "period": "2026 年第三季度",
        "lines": [
            line("INCOME", "发包及上交收入", "土地承包费", "120000.00"),
            line("INCOME", "补助收入", "村级运转补助", "80000.00"),
            line("EXPENSE", "公益支出", "道路硬化", "90000.00"),
            line("EXPENSE", "管理费用", "村干部误工补贴", "36000.50"),
            line("EXPENSE", "其他支出", "杂项", "14000.00"),
        ],
        "incomeTotal": "200000.00",
        "expenseTotal": "140000.50",
    }
    return values | overrides


def finance_notice(**statement_overrides: Any) -> dict[str, Any]:
    return notice_input(
        category="FINANCE",
        title="孙家集街道 2026 年第三季度财务公开",
        statement=statement(**statement_overrides),
    )


async def test_totals_are_checked_and_returned_with_chart_data_and_the_other_warning(
    api: Api,
) -> None:
    township = await admin(api)
    result = await api.gql(STATEMENT, {"i": finance_notice()}, as_=township)
    payload = result["data"]["publishNotice"]
    assert payload["userErrors"] == []
    shown = payload["notice"]["statement"]
    assert (shown["incomeTotal"], shown["expenseTotal"], shown["balance"]) == (
        "200000.00",
        "140000.50",
        "59999.50",
    )
    assert shown["byCategory"][2] == {
        "kind": "EXPENSE",
        "category": "公益支出",
        "amount": "90000.00",
        "percent": 64.29,
    }
    assert sum(c["percent"] for c in shown["byCategory"] if c["kind"] == "INCOME") == 100
    # 14 000 of 140 000.50 is 10 %: above 5 %, so the app shows why villagers may ask
    assert shown["warnings"] == [
        {
            "lineIndex": 4,
            "message": "「其他支出·杂项」14000.00 元，占支出合计的 10.0%，超过 5%，应列明具体用途",
            "percent": 10.0,
        }
    ]


async def test_a_small_other_line_gets_no_warning(api: Api) -> None:
    township = await admin(api)
    lines = [
        line("INCOME", "经营收入", "大棚租金", "100.00"),
        line("EXPENSE", "公益支出", "路灯", "96.00"),
        line("EXPENSE", "其他支出", "零星", "4.00"),
    ]
    result = await api.gql(
        STATEMENT,
        {"i": finance_notice(lines=lines, incomeTotal="100", expenseTotal="100.00")},
        as_=township,
    )
    assert result["data"]["publishNotice"]["notice"]["statement"]["warnings"] == []


async def test_totals_that_do_not_add_up_are_refused_and_nothing_is_published(
    api: Api,
) -> None:
    township = await admin(api)
    result = await api.gql(
        STATEMENT,
        {"i": finance_notice(incomeTotal="200000.01", expenseTotal="140000")},
        as_=township,
    )
    errors = result["data"]["publishNotice"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        ("statement.incomeTotal", "TOTAL_MISMATCH"),
        ("statement.expenseTotal", "TOTAL_MISMATCH"),
    ]
    assert errors[0]["message"] == "收入明细合计为 200000.00 元，与填写的收入合计 200000.01 元不符"
    assert await api.db.notices.count_documents({}) == 0


async def test_bad_lines_are_reported_each_at_its_place(api: Api) -> None:
    township = await admin(api)
    lines = [
        line("INCOME", "经营收入", "租金", "0"),
        line("EXPENSE", "", "路灯", "1.005"),
    ]
    result = await api.gql(
        STATEMENT,
        {"i": finance_notice(lines=lines, incomeTotal="0", expenseTotal="0")},
        as_=township,
    )
    fields = {e["field"] for e in result["data"]["publishNotice"]["userErrors"]}
    assert fields == {
        "statement.lines.0.amount",
        "statement.lines.1.amount",
        "statement.lines.1.category",
    }


async def test_a_statement_belongs_to_finance_notices_only(api: Api) -> None:
    township = await admin(api)
    variables = {"i": notice_input(category="POLICY", statement=statement())}
    result = await api.gql(PUBLISH, variables, as_=township)
    assert result["data"]["publishNotice"]["userErrors"][0]["code"] == "STATEMENT_NOT_ALLOWED"


async def test_a_corrected_statement_keeps_the_first_in_the_history(api: Api) -> None:
    township = await admin(api)
    published = await api.gql(STATEMENT, {"i": finance_notice()}, as_=township)
    notice_id = published["data"]["publishNotice"]["notice"]["id"]
    fixed = statement(
        lines=[
            line("INCOME", "发包及上交收入", "土地承包费", "120000.00"),
            line("INCOME", "补助收入", "村级运转补助", "80000.00"),
            line("EXPENSE", "公益支出", "道路硬化", "90000.00"),
            line("EXPENSE", "管理费用", "村干部误工补贴", "36000.50"),
            line("EXPENSE", "公益支出", "垃圾清运", "14000.00"),
        ]
    )
    result = await api.gql(
        UPDATE,
        {"i": {"noticeId": notice_id, "statement": fixed, "note": "列明其他支出"}},
        as_=township,
    )
    assert result["data"]["updateNotice"]["userErrors"] == []
    stored = await api.db.notices.find_one({})
    assert stored["revisions"][0]["statement"]["lines"][4]["category"] == "其他支出"
    assert stored["statement"]["lines"][4]["item"] == "垃圾清运"
