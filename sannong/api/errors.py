"""Turns every GraphQL error into a coded one; masks what is not meant for clients.

Coded errors (`sannong.errors.ApiError`) pass through; parse and validation
errors become BAD_USER_INPUT (or QUERY_TOO_COMPLEX for limits); a database
that does not answer becomes SERVICE_UNAVAILABLE; anything else is answered
with a generic message, never a stack trace or driver text. The same holds for
every result of a subscription.

What is logged of an operation: its name, a keyed digest of its document and
the codes of its errors, added to the one line its HTTP request logs (a line
of its own over WebSocket). Never variables or query text: an inline `login`
carries a password. Expected errors (validation, coded errors) are codes only;
an unexpected one adds its exception type and frames (`sannong.logs.failure`).
"""

import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from pymongo.errors import ConnectionFailure, PyMongoError
from starlette.requests import Request
from strawberry.extensions import SchemaExtension
from strawberry.relay.types import GlobalIDValueError
from strawberry.types import ExecutionContext

from sannong import signing
from sannong.api.metrics import GRAPHQL_ERRORS
from sannong.errors import ApiError, ErrorCode, ServiceUnavailable
from sannong.logs import failure

log = logging.getLogger("sannong.errors")

_TOKEN_LIMIT_PREFIX = "Document contains more than"


def _coded(error: GraphQLError, code: ErrorCode, message: str | None = None) -> GraphQLError:
    return GraphQLError(
        message or error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={**(error.extensions or {}), "code": code.value},
    )


def classify(error: GraphQLError, *, debug: bool) -> GraphQLError:
    original = error.original_error
    if isinstance(original, ApiError) or (error.extensions and "code" in error.extensions):
        return error  # coded already (classifying twice changes nothing)
    # Server selection and operation timeouts included: a hung database is a down one.
    if isinstance(original, ConnectionFailure) or (
        isinstance(original, PyMongoError) and original.timeout
    ):
        return _coded(error, ErrorCode.SERVICE_UNAVAILABLE, ServiceUnavailable.default_message)
    if error.path is None or isinstance(original, GlobalIDValueError):
        # Parse, validation and coercion errors describe the request itself.
        if _TOKEN_LIMIT_PREFIX in error.message:
            return _coded(error, ErrorCode.QUERY_TOO_COMPLEX, "查询过长，请精简后再试")
        return _coded(error, ErrorCode.BAD_USER_INPUT)
    if debug:
        return _coded(error, ErrorCode.INTERNAL_SERVER_ERROR)
    return GraphQLError(
        "服务器开小差了，请稍后再试",
        nodes=error.nodes,
        path=error.path,
        extensions={"code": ErrorCode.INTERNAL_SERVER_ERROR.value},
    )


_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")


def outcome(
    context: ExecutionContext, errors: list[GraphQLError], failures: list[dict[str, Any]]
) -> dict[str, Any]:
    """The log fields of one operation."""
    name = context.operation_name
    fields: dict[str, Any] = {
        "operation": name if isinstance(name, str) and _NAME.fullmatch(name) else None,
        "document": signing.digest(context.query) if context.query else None,
    }
    if errors:
        fields["errors"] = [(e.extensions or {}).get("code", "UNKNOWN") for e in errors]
    if failures:
        fields["failures"] = failures
    return fields


class CodedErrors(SchemaExtension):
    def __init__(self, *, debug: bool = False) -> None:
        self.debug = debug

    def _classified(self, errors: list[GraphQLError]) -> tuple[list[GraphQLError], list[Any]]:
        """The coded errors, and where the unexpected ones were raised."""
        coded, failures = [], []
        for error in errors:
            answer = classify(error, debug=self.debug)
            code = (answer.extensions or {}).get("code", "UNKNOWN")
            GRAPHQL_ERRORS.labels(code).inc()
            if answer is not error and code == ErrorCode.INTERNAL_SERVER_ERROR:
                where = {"path": ".".join(map(str, error.path or ()))}
                if error.original_error is not None:
                    where |= failure(error.original_error)
                failures.append(where)
            coded.append(answer)
        return coded, failures

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context
        result = context.result
        errors, failures = self._classified(list(getattr(result, "errors", None) or []))
        if errors:
            result.errors = errors  # type: ignore[union-attr]
        request = getattr(context.context, "request", None)
        if isinstance(request, Request):
            request.state.graphql = outcome(context, errors, failures)  # in the request's line

    def on_stream_result(self, result: Any) -> None:  # type: ignore[override]
        """WebSocket results leave before the operation ends: coded and logged here."""
        if getattr(result, "errors", None):
            result.errors, failures = self._classified(result.errors)
            log.info("operation", extra=outcome(self.execution_context, result.errors, failures))
