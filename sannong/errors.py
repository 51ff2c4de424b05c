"""Coded errors of the public contract.

    ApiError                      a GraphQL error with a stable `extensions.code`
    ├── Unauthenticated           UNAUTHENTICATED   no or bad token
    ├── Forbidden                 FORBIDDEN         signed in, not allowed
    ├── NotFound                  NOT_FOUND
    ├── BadUserInput              BAD_USER_INPUT
    ├── Conflict                  CONFLICT          e.g. an idempotency key reused with other input
    ├── RateLimited               RATE_LIMITED
    └── ServiceUnavailable        SERVICE_UNAVAILABLE  the database does not answer

    RuleError                     a business rule refused a write; nothing was stored.
                                  Mutations return its failures as `userErrors`
                                  (`sannong.types.common.UserError`), codes from a plain
                                  enum of the domain (`ListingErrorCode`, `OrderErrorCode`…)

Messages are Chinese, for people. Nothing here knows GraphQL: rules raise these,
the GraphQL layer turns them into errors and payloads.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any, ClassVar, Self


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


class ServiceUnavailable(ApiError):
    code = ErrorCode.SERVICE_UNAVAILABLE
    default_message = "服务暂时不可用，请稍后再试"


class InputErrorCode(StrEnum):
    """Failures any domain's input can have; each domain adds its own enum beside it."""

    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    TOO_MANY = "TOO_MANY"


@dataclass(frozen=True)
class Failure:
    """One reason a rule refused: which input field, what to tell the person, a stable code."""

    field: str | None
    message: str
    code: Enum


class RuleError(Exception):
    """Raised by a rule before it writes anything; carries every failure found at once."""

    def __init__(self, field: str | None, message: str, code: Enum) -> None:
        self.failures = [Failure(field, message, code)]
        super().__init__(message)

    @classmethod
    def of(cls, failures: Iterable[Failure]) -> Self:
        first, *rest = failures
        error = cls(first.field, first.message, first.code)
        error.failures += rest
        return error
