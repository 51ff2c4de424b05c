from enum import Enum

import strawberry
from strawberry import relay


@strawberry.enum(description="What `search` looks through")
class SearchKind(Enum):
    ARTICLE = "ARTICLE"
    COMMODITY = "COMMODITY"
    LISTING = "LISTING"
    QUESTION = "QUESTION"  # answered questions, without who asked


@strawberry.type(description="One search result, best first")
class SearchHit:
    kind: SearchKind
    title: str
    snippet: str
    score: int = strawberry.field(description="Higher is better; title matches weigh most")
    node: relay.Node
