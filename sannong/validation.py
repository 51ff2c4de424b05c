"""Checks of user input shared by every domain; each failure is a `UserError`."""

import re
import unicodedata

from sannong.types.common import UserError, UserErrorCode, UserErrors

PHONE = re.compile(r"1[3-9]\d{9}")
_OPERATOR_LIKE = re.compile(r"^\s*\$")
COMMON_PASSWORDS = frozenset(
    {
        "12345678",
        "123456789",
        "password",
        "password1",
        "qwerty123",
        "11111111",
        "88888888",
        "abc12345",
        "a1234567",
        "iloveyou",
        "1qaz2wsx",
        "woaini1314",
        "aa123456",
        "qq123456",
    }
)


class Checks:
    """Collects every failure of one input, so the user sees them all at once."""

    def __init__(self) -> None:
        self.errors: list[UserError] = []

    def fail(self, field: str, message: str, code: UserErrorCode = UserErrorCode.INVALID) -> None:
        self.errors.append(UserError(field=field, message=message, code=code))

    def raise_if_any(self) -> None:
        if self.errors:
            raise UserErrors(self.errors)

    def text(
        self, field: str, value: str | None, *, label: str, max_length: int, min_length: int = 1
    ) -> str | None:
        """Trimmed, NFC-normalized text without control characters or a leading `$`."""
        if value is None:
            return None
        value = unicodedata.normalize("NFC", value).strip()
        if len(value) < min_length:
            self.fail(field, f"{label}不能为空", UserErrorCode.REQUIRED)
        elif len(value) > max_length:
            self.fail(field, f"{label}不能超过 {max_length} 个字", UserErrorCode.TOO_LONG)
        elif any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in value):
            self.fail(field, f"{label}含有不可见的控制字符", UserErrorCode.INVALID)
        elif _OPERATOR_LIKE.match(value):
            self.fail(field, f"{label}不能以 $ 开头", UserErrorCode.INVALID)
        return value

    def phone(self, field: str, value: str) -> str:
        value = value.strip().replace(" ", "").replace("-", "")
        if value.startswith("+86"):
            value = value[3:]
        if not PHONE.fullmatch(value):
            self.fail(field, "请输入 11 位中国大陆手机号", UserErrorCode.INVALID_PHONE)
        return value

    def password(self, field: str, value: str) -> str:
        if len(value) < 8:
            self.fail(field, "密码至少 8 位", UserErrorCode.WEAK_PASSWORD)
        elif len(value) > 64:
            self.fail(field, "密码不能超过 64 位", UserErrorCode.TOO_LONG)
        elif not (re.search(r"[A-Za-z]", value) and re.search(r"\d", value)):
            self.fail(field, "密码需同时包含字母和数字", UserErrorCode.WEAK_PASSWORD)
        elif value.lower() in COMMON_PASSWORDS:
            self.fail(field, "密码过于常见，请换一个", UserErrorCode.WEAK_PASSWORD)
        return value
