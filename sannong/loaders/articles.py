from typing import ClassVar

from sannong.loaders import ById


class ArticleById(ById):
    collection = "articles"
    projection: ClassVar[dict[str, int]] = {"titleTokens": 0, "searchTokens": 0}
