"""Random query documents over a whole schema, for differential tests of the executor.

Each document picks fields of the query type and, below them, of whatever types they
return, to a bounded depth: with aliases, inline fragments on the possible types of
interfaces and unions, named fragments, @include/@skip reading Boolean variables (and
literals), arguments as literals or as variables (IDs from a pool of real and bogus
global IDs, cursors from a pool of real and bogus ones, every enum value, input objects
with their required fields and some optional ones). A seeded `random.Random` makes it:
a failing document is found again from its seed.

Fields with arguments, and fields under a type condition, get an alias of their own, so
that two selections of one name never ask for different things (a document the
"fields can merge" rule would refuse); anything else the validation refuses is still
compared (both executors must refuse it alike).
"""

import json
import random
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
    is_leaf_type,
)

MAX_DEPTH = 4
# Example values of the custom scalars; a required argument of another scalar drops its field.
# Mostly values that pass, sometimes one that does not (BAD_PROBABILITY): a document
# with a refused argument answers little more than its error.
SCALARS: dict[str, list[Any]] = {
    "Int": [1, 2, 3, 5],
    "Float": [0.5, 3.0],
    "Boolean": [True, False],
    "Date": ["2026-12-01", "2025-01-31"],
    "DateTime": ["2026-12-01T08:00:00+08:00", "2025-06-01T00:00:00+00:00"],
    "Decimal": ["1.50", "12"],
}
BAD_SCALARS: dict[str, list[Any]] = {
    "Int": [0, -1, 10_000],
    "Date": ["not a date"],
    "DateTime": ["yesterday"],
    "Decimal": ["-3", "abc"],
}
STRINGS = ["玉米", "大白菜", "通知", "a", ""]
BAD_PROBABILITY = 0.08
NESTED_BAD_ID = 0.6


class _Skip(Exception):
    """A value this generator cannot make: the field is left out."""


@dataclass
class Pools:
    """Values taken from the data: global IDs by type name, connection cursors, and
    bogus ones of each."""

    ids: dict[str, list[str]]
    cursors: list[str]
    bogus_ids: list[str]
    bogus_cursors: list[str]

    def id_for(self, rng: random.Random, argument: str, bad: float) -> str:
        """An ID of the type the argument's name says (`regionId`: a Region's), else any;
        with probability `bad` a bogus one."""
        if rng.random() < bad:
            return rng.choice(self.bogus_ids)
        kind = argument.removesuffix("s").removesuffix("Id")
        kind = kind[:1].upper() + kind[1:]
        matching = self.ids.get(kind) or [i for ids in self.ids.values() for i in ids]
        return rng.choice(matching)


@dataclass
class _Document:
    variables: dict[str, tuple[str, Any]] = field(default_factory=dict)
    fragments: dict[str, str] = field(default_factory=dict)
    aliases: int = 0
    reached: set[str] = field(default_factory=set)


class Documents:
    def __init__(self, schema: GraphQLSchema, pools: Pools, seed: int) -> None:
        self.schema, self.pools = schema, pools
        self.depth = 0
        self.rng = random.Random(seed)
        self.reached: set[str] = set()  # the object types documents selected, over all

    def document(self) -> tuple[str, dict[str, Any]]:
        self.doc = _Document()
        query_type = self.schema.query_type
        assert query_type is not None
        selection = self.selection(query_type, 0, self.rng.randint(1, 3))
        self.reached |= self.doc.reached
        signature = ", ".join(f"${name}: {kind}" for name, (kind, _) in self.doc.variables.items())
        head = f"query Generated({signature})" if signature else "query Generated"
        text = " ".join([head + " " + selection, *self.doc.fragments.values()])
        return text, {name: value for name, (_, value) in self.doc.variables.items()}

    def selection(self, parent: GraphQLNamedType, depth: int, count: int) -> str:
        rng = self.rng
        parts: list[str] = []
        if isinstance(parent, GraphQLInterfaceType | GraphQLUnionType):
            if isinstance(parent, GraphQLInterfaceType) and rng.random() < 0.7:
                parts += self.fields(parent, depth, count, aliased=True)
            possible = list(self.schema.get_possible_types(parent))
            for each in rng.sample(possible, min(len(possible), rng.randint(1, 3))):
                inner = " ".join(self.fields(each, depth, rng.randint(1, 3), aliased=True))
                parts.append(f"... on {each.name} {{ __typename {inner} }}")
            parts.append("__typename")
        else:
            assert isinstance(parent, GraphQLObjectType)
            self.doc.reached.add(parent.name)
            if rng.random() < 0.15 and depth > 0:
                name = f"F{len(self.doc.fragments)}"
                self.doc.fragments[name] = ""  # reserved before its fields take numbers
                inner = " ".join(self.fields(parent, depth, count, aliased=True))
                self.doc.fragments[name] = (
                    f"fragment {name} on {parent.name} {{ __typename {inner} }}"
                )
                parts.append(f"...{name}")
                if rng.random() < 0.5:
                    parts.append(f"... on {parent.name} {{ __typename }}")
            else:
                parts += self.fields(parent, depth, count, aliased=False)
        return "{ " + " ".join(parts or ["__typename"]) + " }"

    def fields(
        self,
        parent: GraphQLObjectType | GraphQLInterfaceType,
        depth: int,
        count: int,
        aliased: bool,
    ) -> list[str]:
        names = [n for n in parent.fields if not n.startswith("__")]
        if depth >= MAX_DEPTH:
            names = [n for n in names if is_leaf_type(get_named_type(parent.fields[n].type))]
        chosen = self.rng.sample(names, min(len(names), count))
        found: list[str] = []
        for name in chosen:
            try:
                found.append(self.field(name, parent.fields[name], depth, aliased))
            except _Skip:
                continue
        return found

    def field(self, name: str, definition: GraphQLField, depth: int, aliased: bool) -> str:
        rng = self.rng
        self.depth = depth
        arguments = []
        for arg_name, argument in definition.args.items():
            required = (
                isinstance(argument.type, GraphQLNonNull) and argument.default_value is Undefined
            )
            if not required and rng.random() > (0.4 if depth == 0 else 0.7):
                continue
            try:
                arguments.append(f"{arg_name}: {self.argument(arg_name, argument.type)}")
            except _Skip:
                if required:
                    raise
        text = name
        if arguments:
            text += "(" + ", ".join(arguments) + ")"
        if aliased or arguments or rng.random() < 0.1:
            self.doc.aliases += 1
            if self.doc.aliases > 25:
                raise _Skip  # within the API's alias limit
            text = f"a{self.doc.aliases}: {text}"
        if rng.random() < 0.15:
            text += " " + self.condition()
        target = get_named_type(definition.type)
        if not is_leaf_type(target):
            text += " " + self.selection(target, depth + 1, rng.randint(1, 4))
        return text

    def condition(self) -> str:
        directive = self.rng.choice(["include", "skip"])
        if self.rng.random() < 0.3:
            return f"@{directive}(if: {self.rng.choice(['true', 'false'])})"
        name = f"c{len(self.doc.variables)}"
        self.doc.variables[name] = ("Boolean!", self.rng.random() < 0.6)
        return f"@{directive}(if: ${name})"

    def argument(self, name: str, kind: GraphQLInputType) -> str:
        value = self.value(name, kind)
        if self.rng.random() < 0.3:
            variable = f"v{len(self.doc.variables)}"
            self.doc.variables[variable] = (str(kind), value)
            return f"${variable}"
        return self.literal(value, kind)

    def value(self, name: str, kind: GraphQLInputType) -> Any:
        """A JSON value of the input type (as a variable would carry it)."""
        rng = self.rng
        if isinstance(kind, GraphQLNonNull):
            return self.value(name, kind.of_type)
        if isinstance(kind, GraphQLList):
            return [self.value(name, kind.of_type) for _ in range(rng.randint(0, 2))]
        if isinstance(kind, GraphQLEnumType):
            return rng.choice(list(kind.values))
        if isinstance(kind, GraphQLInputObjectType):
            fields = kind.fields.items()
            if kind.is_one_of:
                key, each = rng.choice(list(fields))
                return {key: self.value(key, each.type)}
            made: dict[str, Any] = {}
            for key, each in fields:
                required = isinstance(each.type, GraphQLNonNull) and each.default_value is Undefined
                if required or rng.random() < 0.3:
                    made[key] = self.value(key, each.type)
            return made
        assert isinstance(kind, GraphQLScalarType)
        bad = rng.random() < BAD_PROBABILITY
        if kind.name == "ID":
            # Below the root a refused ID is an error inside an object or a list item
            # (`me { followedCommodities { latestPrice(marketId:) } }`): more of those.
            return self.pools.id_for(rng, name, NESTED_BAD_ID if self.depth else BAD_PROBABILITY)
        if kind.name == "String":
            if name in ("after", "before", "cursor"):
                return rng.choice(self.pools.bogus_cursors if bad else self.pools.cursors)
            return rng.choice(STRINGS)
        if kind.name not in SCALARS:
            raise _Skip
        return rng.choice((bad and BAD_SCALARS.get(kind.name)) or SCALARS[kind.name])

    def literal(self, value: Any, kind: GraphQLInputType) -> str:
        if isinstance(kind, GraphQLNonNull):
            return self.literal(value, kind.of_type)
        if isinstance(kind, GraphQLList):
            return "[" + ", ".join(self.literal(each, kind.of_type) for each in value) + "]"
        if isinstance(kind, GraphQLEnumType):
            return str(value)
        if isinstance(kind, GraphQLInputObjectType):
            inner = ", ".join(
                f"{k}: {self.literal(v, kind.fields[k].type)}" for k, v in value.items()
            )
            return "{" + inner + "}"
        return json.dumps(value, ensure_ascii=False)
