from typing import ClassVar

from sannong.loaders.shared import SharedById


class UserById(SharedById):
    """People change their profile rarely: copies kept by the process, dropped on a
    change (`rules/reference.changed`)."""

    collection = "users"
    projection: ClassVar[dict[str, int]] = {"passwordHash": 0}  # never leaves the database
