from typing import ClassVar

from sannong.loaders import ById


class UserById(ById):
    collection = "users"
    projection: ClassVar[dict[str, int]] = {"passwordHash": 0}  # never leaves the database
