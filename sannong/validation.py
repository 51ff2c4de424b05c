"""Checks of user input shared by every domain; each failure is a `Failure` of a `RuleError`."""

import re
import unicodedata
from enum import Enum

from sannong.errors import Failure, InputErrorCode, RuleError

_OPERATOR_LIKE = re.compile(r"^\s*\$")


class Checks:
    """Collects every failure of one input, so the user sees them all at once."""

    def __init__(self) -> None:
        self.errors: list[Failure] = []

    def fail(self, field: str, message: str, code: Enum = InputErrorCode.INVALID) -> None:
        self.errors.append(Failure(field, message, code))

    def raise_if_any(self) -> None:
        if self.errors:
            raise RuleError.of(self.errors)

    def text(
        self, field: str, value: str | None, *, label: str, max_length: int, min_length: int = 1
    ) -> str | None:
        """Trimmed, NFC-normalized text without control characters or a leading `$`."""
        if value is None:
            return None
        value = unicodedata.normalize("NFC", value).strip()
        if len(value) < min_length:
            self.fail(field, f"{label}不能为空", InputErrorCode.REQUIRED)
        elif len(value) > max_length:
            self.fail(field, f"{label}不能超过 {max_length} 个字", InputErrorCode.TOO_LONG)
        elif any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in value):
            self.fail(field, f"{label}含有不可见的控制字符", InputErrorCode.INVALID)
        elif _OPERATOR_LIKE.match(value):
            self.fail(field, f"{label}不能以 $ 开头", InputErrorCode.INVALID)
        return value
