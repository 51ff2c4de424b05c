"""Resolvers reach the database only through rules: no collection, no command, no page
of their own. The import contract cannot see it (the database arrives through the
context), so this reads the resolvers' source: a resolver may hand `context.db` to a
rule, and nothing more."""

import ast
from pathlib import Path

from sannong.db.indexes import INDEXES

RESOLVERS = Path(__file__).parent.parent / "sannong" / "resolvers"

# What a collection or a cursor answers to (pymongo's async API).
COMMANDS = frozenset(
    {
        "aggregate",
        "bulk_write",
        "count_documents",
        "delete_many",
        "delete_one",
        "distinct",
        "estimated_document_count",
        "find",
        "find_one",
        "find_one_and_delete",
        "find_one_and_replace",
        "find_one_and_update",
        "get_collection",
        "insert_many",
        "insert_one",
        "paginate",
        "replace_one",
        "to_list",
        "update_many",
        "update_one",
        "watch",
    }
)
COLLECTIONS = frozenset(INDEXES) | {"counters", "events", "jobs"}
FORBIDDEN_MODULES = ("pymongo", "sannong.db.pagination", "sannong.db.client", "sannong.db.locks")


def _is_db(node: ast.expr) -> bool:
    """`db` or `<anything>.db`."""
    return (isinstance(node, ast.Name) and node.id == "db") or (
        isinstance(node, ast.Attribute) and node.attr == "db"
    )


def database_accesses(source: str, name: str = "<source>") -> list[str]:
    """Where a module's code touches the database itself, as `file:line what`."""
    found: list[str] = []

    def flag(node: ast.AST, what: str) -> None:
        found.append(f"{name}:{getattr(node, 'lineno', 0)} {what}")

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            if _is_db(node.value):
                flag(node, f"a collection or method of the database: .{node.attr}")
            elif node.attr in COMMANDS:
                flag(node, f"a database command: .{node.attr}")
        elif isinstance(node, ast.Subscript) and _is_db(node.value):
            flag(node, "a collection by name: db[...]")
        elif isinstance(node, ast.Constant) and node.value in COLLECTIONS:
            flag(node, f"a collection's name: {node.value!r}")
        elif isinstance(node, ast.Name) and node.id in COMMANDS:
            flag(node, f"a database helper: {node.id}")
        elif isinstance(node, ast.ImportFrom | ast.Import):
            modules = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [alias.name for alias in node.names]
            )
            for module in modules:
                if module.startswith(FORBIDDEN_MODULES):
                    flag(node, f"imports {module}")
    return found


def test_no_resolver_touches_a_collection() -> None:
    modules = sorted(RESOLVERS.glob("*.py"))
    assert len(modules) > 10  # the scan reads the resolvers, not an empty folder
    accesses = [
        access
        for module in modules
        for access in database_accesses(module.read_text(), module.name)
    ]
    assert accesses == []


def test_the_scan_sees_each_way_in() -> None:
    """Each of these is how a resolver read the database before the reads moved to rules."""
    reads = {
        "await info.context.db.listings.find(query).to_list()": 3,
        "db = info.context.db\nawait db.articles.find_one({})": 2,
        "await Connection[Order].find(context.db.orders, query, Order.from_doc)": 2,
        "await info.context.db['users'].count_documents({})": 3,
        "from sannong.db.pagination import paginate": 1,
        "collection = 'price_alerts'": 1,
    }
    for source, accesses in reads.items():
        assert len(database_accesses(source)) == accesses, source
    # What resolvers do: hand the database to a rule, load through loaders, wrap a page.
    allowed = """
page = await rules.browse_feedback(info.context.db, viewer, search, first=first, after=after)
region = await RegionById.of(info.context).load(code)
return Connection[Feedback].from_page(page, Feedback.from_doc)
"""
    assert database_accesses(allowed) == []
