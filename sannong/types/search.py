import strawberry
from strawberry import relay

from sannong.rules.search import SearchKind

__all__ = ["SearchHit", "SearchKind"]

strawberry.enum(SearchKind, description="What `search` looks through")


@strawberry.type(description="One search result, best first")
class SearchHit:
    kind: SearchKind
    title: str
    snippet: str
    score: int = strawberry.field(description="Higher is better; title matches weigh most")
    node: relay.Node
