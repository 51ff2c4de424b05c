"""Notice and feedback helpers for tests: one call per fact a test needs."""

import json
from datetime import timedelta
from typing import Any

import httpx
from bson import ObjectId

from sannong.auth import Role
from sannong.clock import now
from sannong.db import Database
from sannong.rules.alerts import ALERT_FANOUT, AlertKind, AlertSeverity, alert_document
from sannong.rules.fanout import Pace, start_fanout
from sannong.seed.regions import village_code
from tests.factories import SUNJIAJI, Api, Person, region_id

NOTICE_FIELDS = """id title body summary category categoryLabel status pinned requiresAck
    expiresAt expired version revisedAt revisionNote withdrawnAt withdrawReason read acknowledged
    region { code } attachments { kind name size url thumbnailUrl }"""
PUBLISH = f"""mutation($i: PublishNoticeInput!) {{ publishNotice(input: $i) {{
    notice {{ {NOTICE_FIELDS} }} userErrors {{ field message code }} }} }}"""
UPDATE = f"""mutation($i: UpdateNoticeInput!) {{ updateNotice(input: $i) {{
    notice {{ {NOTICE_FIELDS}
      revisions {{ version title body publishedAt note editor {{ id }} }} }}
    userErrors {{ field message code }} }} }}"""
WITHDRAW = f"""mutation($i: WithdrawNoticeInput!) {{ withdrawNotice(input: $i) {{
    notice {{ {NOTICE_FIELDS} }} userErrors {{ field message code }} }} }}"""
MARK_READ = """mutation($i: MarkNoticeReadInput!) { markNoticeRead(input: $i) {
    notice { id read acknowledged } userErrors { field message code } } }"""
ACK = """mutation($i: AcknowledgeNoticeInput!) { acknowledgeNotice(input: $i) {
    notice { id read acknowledged } userErrors { field message code } } }"""
NOTICES = """query($r: ID, $c: NoticeCategory, $u: Boolean, $x: Boolean, $w: Boolean,
    $n: Int, $a: String) {
    notices(regionId: $r, category: $c, unreadOnly: $u, includeExpired: $x, withinRegion: $w,
            first: $n, after: $a) {
      edges { node { id title pinned status read region { code } } }
      pageInfo { hasNextPage endCursor } totalCount } }"""
STATS = """query($id: ID!) { noticeStats(noticeId: $id) {
    residents read acknowledged region { code }
    villages { village { code name } residents read acknowledged } } }"""

FEEDBACK_FIELDS = """id number kind status text anonymous isPublic deadline overdue mine
    author { id } region { code } replies { status text } rating { outcome stars comment }"""
SUBMIT = f"""mutation($i: SubmitFeedbackInput!) {{ submitFeedback(input: $i) {{
    feedback {{ {FEEDBACK_FIELDS} }} userErrors {{ field message code }} }} }}"""
REPLY = f"""mutation($i: ReplyToFeedbackInput!) {{ replyToFeedback(input: $i) {{
    feedback {{ {FEEDBACK_FIELDS} }} userErrors {{ field message code }} }} }}"""
RATE = f"""mutation($i: RateFeedbackInput!) {{ rateFeedback(input: $i) {{
    feedback {{ {FEEDBACK_FIELDS} }} userErrors {{ field message code }} }} }}"""
FEEDBACK = f"""query($f: FeedbackFilter, $n: Int, $a: String) {{
    feedback(filter: $f, first: $n, after: $a) {{ edges {{ node {{ {FEEDBACK_FIELDS} }} }}
      pageInfo {{ hasNextPage endCursor }} }} }}"""
AUDIT = """query($f: AuditFilter, $n: Int) { auditLog(filter: $f, first: $n) {
    edges { node { action outcome code detail actorRole actor { id } region { code }
                   targetId } } } }"""

PREFLIGHT = {"GraphQL-Preflight": "1"}
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200  # a Windows .exe
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200


def notice_input(region: str = SUNJIAJI, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "regionId": region_id(region),
        "category": "ANNOUNCEMENT",
        "title": "关于开展冬季农田水利建设的通知",
        "body": "<p>各村：请于本月底前完成<strong>沟渠清淤</strong>。</p>",
    }
    return values | overrides


async def admin(api: Api, scope: str = SUNJIAJI, village: str = "孙家集村") -> Person:
    return await api.person(Role.TOWNSHIP_ADMIN, scope=scope, village=village)


async def publish(api: Api, as_: Person, **overrides: Any) -> dict[str, Any]:
    result = await api.gql(PUBLISH, {"i": notice_input(**overrides)}, as_=as_)
    payload = result["data"]["publishNotice"]
    assert payload["userErrors"] == [], payload
    notice: dict[str, Any] = payload["notice"]
    return notice


async def publish_with_files(
    api: Api, as_: Person, files: list[tuple[str, bytes, str]], **overrides: Any
) -> httpx.Response:
    """publishNotice as a multipart request with attachments."""
    variables = {"i": notice_input(**overrides) | {"attachments": [None] * len(files)}}
    mapping = {str(n): [f"variables.i.attachments.{n}"] for n in range(len(files))}
    return await api.http.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": PUBLISH, "variables": variables}),
            "map": json.dumps(mapping),
        },
        files={str(n): file for n, file in enumerate(files)},
        headers=as_.headers | PREFLIGHT,
    )


async def notices(api: Api, as_: Person | None = None, **variables: Any) -> dict[str, Any]:
    result = await api.gql(NOTICES, variables, as_=as_)
    assert "errors" not in result, result
    connection: dict[str, Any] = result["data"]["notices"]
    return connection


def titles(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["title"] for edge in connection["edges"]]


async def submit(api: Api, as_: Person, **overrides: Any) -> dict[str, Any]:
    values = {"kind": "COMPLAINT", "text": "村东头的灌溉水渠塌了一段，浇不上地"} | overrides
    result = await api.gql(SUBMIT, {"i": values}, as_=as_)
    payload = result["data"]["submitFeedback"]
    assert payload["userErrors"] == [], payload
    ticket: dict[str, Any] = payload["feedback"]
    return ticket


async def reply(
    api: Api, as_: Person, ticket_id: str, status: str, text: str = "已派人查看"
) -> Any:
    return await api.gql(
        REPLY, {"i": {"feedbackId": ticket_id, "status": status, "text": text}}, as_
    )


async def residents(api: Api, village: str, count: int, first_phone: int) -> list[ObjectId]:
    """Villagers straight into the database (they only need to live there), in batches."""
    return await villagers(api.db, village, count, first_phone)


async def villagers(db: Database, village: str, count: int, first_phone: int) -> list[ObjectId]:
    """`residents` for a test that has a database and no API."""
    code = village_code(village)
    region = await db.regions.find_one({"_id": code})
    assert region is not None
    docs = [
        {
            "_id": ObjectId(),
            "phone": str(first_phone + n),
            "passwordHash": "",
            "name": f"村民{n}",
            "role": "FARMER",
            "regionId": code,
            "path": region["path"],
            "scopeRegionId": None,
            "scopePath": [],
            "createdAt": now(),
        }
        for n in range(count)
    ]
    for start in range(0, count, 50):
        await db.users.insert_many(docs[start : start + 50])
    return [doc["_id"] for doc in docs]


async def red_alert(db: Database, village: str, pace: Pace) -> ObjectId:
    """A red frost warning for a village, its fan-out scheduled as `createAlert` does."""
    at = now()
    doc = alert_document(
        kind=AlertKind.WEATHER,
        severity=AlertSeverity.RED,
        title="霜冻红色预警",
        body="今夜最低气温降至零下 4℃，露地蔬菜和果树花期受冻风险高。",
        advice="今晚覆盖薄膜或点烟熏防冻",
        region_ids=[village_code(village)],
        valid_from=at,
        valid_until=at + timedelta(days=1),
        created_at=at,
        created_by=None,
    )
    alert_id: ObjectId = (await db.alerts.insert_one(doc)).inserted_id
    await start_fanout(db, ALERT_FANOUT, str(alert_id), pace, at)
    return alert_id
