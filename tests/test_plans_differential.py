"""Execution plans answer every role's generated documents over the whole schema exactly
as graphql-core's executor does: the same data, the same errors (in any order) with the
same messages, codes, paths and locations, the same extensions (where a failed
non-null root field nulls the whole answer, the errors that nulled it: see `settled`).

The demo data is seeded; the API is asked each document twice, once with the plans and
once with `SANNONG_EXECUTION_PLANS=false` (its schema swapped in the same app, so the
same requests meet the same copies and caches), as each role: signed out, farmer,
expert, township admin, platform admin. The documents come from
`tests/graphql_documents.py`, seeded: a failure names its seed and document.
`SANNONG_DIFFERENTIAL_DOCUMENTS` sets how many per role (default 40)."""

import base64
import os
from typing import Any

import orjson
import pytest
from graphql import GraphQLObjectType
from starlette.applications import Starlette

from sannong.api.execution.plans import PlannedExecutor
from sannong.api.graphql import GraphQLView
from sannong.api.schema import build_schema
from sannong.db import Database
from sannong.security import Passwords
from sannong.seed import DEMO_ACCOUNTS, seed
from sannong.types.common import DocumentNode
from tests.conftest import settings_for_tests
from tests.factories import Api
from tests.graphql_documents import Documents, Pools

PER_ROLE = int(os.environ.get("SANNONG_DIFFERENTIAL_DOCUMENTS", "40"))
LOGIN = "mutation($i: LoginInput!) { login(input: $i) { token userErrors { code } } }"
BOGUS_IDS = [
    "not base64 at all",
    base64.b64encode(b"Listing:000000000000000000000000").decode(),  # no such listing
    base64.b64encode(b"Nowhere:1").decode(),  # no such type
    base64.b64encode(b"Node:1").decode(),  # the interface itself
]


def view_of(app: Starlette) -> GraphQLView:
    return next(r.app for r in app.routes if isinstance(getattr(r, "app", None), GraphQLView))


def gid(kind: str, key: object) -> str:
    return base64.b64encode(f"{kind}:{key}".encode()).decode()


async def real_ids(schema: Any, db: Database) -> dict[str, list[str]]:
    """Up to three global IDs of every stored node type, by type name."""
    found: dict[str, list[str]] = {}
    for definition in schema.schema_converter.type_map.values():
        origin = getattr(definition.definition, "origin", None)
        loader = getattr(origin, "loader", None)
        if not (isinstance(origin, type) and issubclass(origin, DocumentNode) and loader):
            continue
        docs = await db[loader.collection].find({}, {"_id": 1}).limit(3).to_list()
        name = definition.definition.name
        if docs:
            found[name] = [gid(name, doc["_id"]) for doc in docs]
    return found


def comparable(body: bytes) -> dict[str, Any]:
    answer = orjson.loads(body)
    errors = answer.pop("errors", [])
    return {
        **answer,
        "errors": sorted(orjson.dumps(e, option=orjson.OPT_SORT_KEYS) for e in errors),
    }


def settled(answer: dict[str, Any]) -> dict[str, Any]:
    """What an answer must agree on. When a non-null root field fails, `data` is null and
    its siblings are cancelled: which of their errors were recorded before that depends on
    the event loop's turns (graphql-core's own answer to one document varies from run to
    run), so such an answer agrees on its data and on the root fields' errors, the ones
    that nulled it."""
    if "data" not in answer or answer["data"] is not None:
        return answer
    return {
        **answer,
        "errors": [e for e in answer["errors"] if len(orjson.loads(e).get("path") or ()) <= 1],
    }


# Some generated documents leave one of the driver's database connections unclosed, and
# Python says so when it collects the socket. It happens with graphql-core's executor
# alone too (plans off both ways), so it is not the plans'; likely sibling fields
# cancelled in mid-command when a field fails (left for a separate look).
@pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning"
)
async def test_plans_answer_every_roles_documents_as_graphql_core(
    api: Api, app: Starlette, db: Database
) -> None:
    await seed(db, Passwords(settings_for_tests()), reset=True, price_days=2)
    view = view_of(app)
    planned = view.schema
    assert issubclass(planned.execution_context_class, PlannedExecutor)
    settings = app.state.services.settings
    plain = build_schema(settings.model_copy(update={"execution_plans": False}))
    assert not issubclass(plain.execution_context_class, PlannedExecutor)

    roles: dict[str, dict[str, str]] = {"signed out": {}}
    for account in DEMO_ACCOUNTS:
        answer = await api.gql(LOGIN, {"i": {"phone": account.phone, "password": account.password}})
        token = answer["data"]["login"]["token"]
        roles[account.role.value] = {"Authorization": f"Bearer {token}"}
    assert len(roles) == 5

    ids = await real_ids(planned, db)
    assert len(ids) > 10, ids  # node types with stored documents
    pages = await api.post(
        "{ listings(first: 3) { edges { cursor } } notices(first: 3) { edges { cursor } } }",
        as_=None,
    )
    cursors = [e["cursor"] for page in pages.json()["data"].values() for e in page["edges"]]
    pools = Pools(ids, cursors, BOGUS_IDS, bogus_cursors=["", "bogus-cursor"])

    compared = answered = nested = 0
    reached: set[str] = set()
    for number, (role, headers) in enumerate(roles.items()):
        documents = Documents(planned._schema, pools, seed=number)
        for _ in range(PER_ROLE):
            document, variables = documents.document()
            body = {"query": document, "variables": variables}
            answers = []
            for schema in (plain, planned):
                view.schema = schema
                response = await api.http.post("/graphql", json=body, headers=headers)
                answers.append((response.status_code, comparable(response.content)))
            view.schema = planned
            (plain_status, plain_answer), (planned_status, planned_answer) = answers
            assert (planned_status, settled(planned_answer)) == (
                plain_status,
                settled(plain_answer),
            ), f"{role}, seed {number}:\n{document}\n{variables}"
            compared += 1
            answered += answers[0][1].get("data") is not None
            errors = [orjson.loads(e) for e in answers[0][1]["errors"]]
            nested += any(len(e.get("path") or ()) > 2 for e in errors)
        reached |= documents.reached
    # Not only a comparison of refusals (roles are refused much, and rightly): many
    # documents answered, over most of the schema.
    assert answered > compared * 0.5, (answered, compared)
    assert nested >= 3, "errors below the root, in objects and list items"
    object_types = [
        name
        for name, kind in planned._schema.type_map.items()
        if not name.startswith("__") and isinstance(kind, GraphQLObjectType)
    ]
    assert len(reached) > len(object_types) * 0.5, sorted(set(object_types) - reached)
