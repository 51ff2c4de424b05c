"""Coded errors of the public contract.

    ApiError                      a GraphQL error with a stable `extensions.code`
    ├── Unauthenticated           UNAUTHENTICATED   no or bad token
    ├── Forbidden                 FORBIDDEN         signed in, not allowed
    ├── NotFound                  NOT_FOUND
    ├── BadUserInput              BAD_USER_INPUT
    ├── Conflict                  CONFLICT          e.g. an idempotency key reused with other input
    ├── RateLimited               RATE_LIMITED
    ├── QueryTooComplex           QUERY_TOO_COMPLEX
    └── ServiceUnavailable        SERVICE_UNAVAILABLE  the database does not answer

Business-rule failures of a mutation are not raised: they are returned as
`userErrors` (see `sannong.types.common.UserError`). Messages are Chinese, for people.
"""

from enum import StrEnum
from typing import Any, ClassVar


class ErrorCode(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class ApiError(Exception):
    code: ClassVar[ErrorCode]
    default_message: ClassVar[str]

    def __init__(self, message: str | None = None, **extra: Any) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)
        # graphql-core copies `extensions` of the original error onto the GraphQL error.
        self.extensions: dict[str, Any] = {"code": self.code.value, **extra}


class Unauthenticated(ApiError):
    code = ErrorCode.UNAUTHENTICATED
    default_message = "请先登录"


class Forbidden(ApiError):
    code = ErrorCode.FORBIDDEN
    default_message = "没有权限执行此操作"


class NotFound(ApiError):
    code = ErrorCode.NOT_FOUND
    default_message = "找不到该对象"


class BadUserInput(ApiError):
    code = ErrorCode.BAD_USER_INPUT
    default_message = "输入有误"


class Conflict(ApiError):
    code = ErrorCode.CONFLICT
    default_message = "请求与已有数据冲突"


class RateLimited(ApiError):
    code = ErrorCode.RATE_LIMITED
    default_message = "操作过于频繁，请稍后再试"


class QueryTooComplex(ApiError):
    code = ErrorCode.QUERY_TOO_COMPLEX
    default_message = "查询过于复杂"


class ServiceUnavailable(ApiError):
    code = ErrorCode.SERVICE_UNAVAILABLE
    default_message = "服务暂时不可用，请稍后再试"
