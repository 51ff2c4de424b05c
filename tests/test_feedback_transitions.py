"""Which replies move a ticket where, as one table: the API follows it, its schema
describes it and the README says the same sentence. A ticket may be closed straight from
ACCEPTED (an inquiry answered at once, a request refused at once); a closed one is final."""

import re
from pathlib import Path

from sannong.api.schema import build_schema
from sannong.rules.feedback import moves_in_words
from tests.conftest import settings_for_tests
from tests.factories import Api
from tests.notices import FEEDBACK_FIELDS, admin, reply, submit

STATUSES = ("ACCEPTED", "IN_PROGRESS", "RESOLVED", "REJECTED")
ALLOWED = {
    ("ACCEPTED", "IN_PROGRESS"),
    ("ACCEPTED", "RESOLVED"),
    ("ACCEPTED", "REJECTED"),
    ("IN_PROGRESS", "IN_PROGRESS"),  # a progress report
    ("IN_PROGRESS", "RESOLVED"),
    ("IN_PROGRESS", "REJECTED"),
}
TICKET = f"query($id: ID!) {{ node(id: $id) {{ ... on Feedback {{ {FEEDBACK_FIELDS} }} }} }}"
README = Path(__file__).resolve().parents[1] / "README.md"


async def test_every_move_between_two_states_is_allowed_or_refused_as_the_table_says(
    api: Api,
) -> None:
    township = await admin(api)
    farmer = await api.person(village="孙家集村")
    seen: set[tuple[str, str]] = set()
    for start in STATUSES:
        for target in STATUSES:
            ticket = await submit(api, farmer, kind="INQUIRY", text="今年的玉米补贴什么时候发？")
            if start != "ACCEPTED":
                moved = await reply(api, township, ticket["id"], start, "先这样处理")
                assert moved["data"]["replyToFeedback"]["userErrors"] == []
            before = (await api.gql(TICKET, {"id": ticket["id"]}, township))["data"]["node"]
            assert before["status"] == start
            result = (await reply(api, township, ticket["id"], target, "补贴月底前发放"))["data"]
            payload = result["replyToFeedback"]
            if payload["userErrors"] == []:
                assert payload["feedback"]["status"] == target
                assert payload["feedback"]["replies"][-1] == {
                    "status": target,
                    "text": "补贴月底前发放",
                }
                seen.add((start, target))
            else:
                [error] = payload["userErrors"]
                assert (error["field"], error["code"]) == ("status", "INVALID_TRANSITION")
                assert error["message"] in ("工单已办结，不能再答复", "不能转到该状态")
                after = (await api.gql(TICKET, {"id": ticket["id"]}, township))["data"]["node"]
                assert after == before  # a refused reply changes nothing
    assert seen == ALLOWED


def test_the_schema_and_the_readme_say_the_moves_the_api_makes() -> None:
    words = moves_in_words()
    said = set()
    for clause in words.split("; "):
        if "→" in clause:
            start, targets = clause.split(" → ")
            said |= {(start, target) for target in re.findall(r"[A-Z_]+", targets)}
    assert said == ALLOWED
    assert words.endswith("RESOLVED and REJECTED are final")
    schema = build_schema(settings_for_tests()).as_str()
    assert words in " ".join(schema.split())
    assert words in " ".join(README.read_text(encoding="utf-8").split())
