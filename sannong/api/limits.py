"""Limits checked before validation and before any resolver runs.

Tokens are limited by the parser (`max_tokens`). Then one walk over the document,
with each fragment computed once however often it is spread, measures:

- depth: nested fields with a selection;
- aliases and fields, counted after fragments are expanded (30 aliases in a
  fragment spread three times are 90);
- cost: every object or list field costs its weight (1 unless `FIELD_COSTS` says
  otherwise; scalars cost 0 unless listed, so every mutation costs at least its
  weight), and a field with a `first` argument multiplies the cost of what it
  selects, so

      listings(first: 100) { edges { node { seller { name } } } }

  costs 1 + 100 × (1 + 1 + 1) = 301. The response reports
  `extensions.cost { requested, limit }`;
- text: every string argument and input field within its maximum (`input_limits`),
  variables included.

A document within those limits is checked once more for repeated fields: the
standard rule that fields of one response name can merge compares every pair of
them, so 950 × `regions { id }` (inside every other limit) would cost a second of
validation. Only then do graphql-core's rules run, without "Did you mean"
suggestions outside debug mode. Every refusal takes milliseconds whatever the
document; `bench/validation.py` prints the figures.

Strawberry's own `QueryDepthLimiter` and `MaxAliasesLimiter` are not used: both
walk every spread of a fragment again (`F2 { ...F1 ...F1 }`, `F3 { ...F2 ...F2 }`
… costs 2^k), which is the attack this module exists to stop.
"""

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    Node,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_leaf_type,
    validate,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from sannong.api.input_limits import first_overlong_literal
from sannong.errors import ErrorCode

# Weights of fields that cost more than one object; grows with the features.
FIELD_COSTS: dict[str, int] = {
    "Mutation.*": 10,
    "Query.search": 20,
    "Query.priceHistory": 10,  # up to a year of daily reports over every market
}
DEFAULT_PAGE = 20  # what a connection returns when `first` is not given
# Pairs of same-named fields the merge rule may compare; a real screen has a few
# dozen (`id` and `__typename` in several fragments). Each pair costs ~4 µs.
MAX_REPEATED_PAIRS = 400
_CAP = 10**9  # counts saturate here: an exponential document is just "too many"


@dataclass(frozen=True)
class Limits:
    max_depth: int
    max_aliases: int
    max_cost: int
    max_fields: int


class Measure(NamedTuple):
    """Of one selection, fragments expanded."""

    depth: int = 0
    aliases: int = 0
    fields: int = 0
    cost: int = 0


_NOTHING = Measure()


def _too_complex(message: str, node: Node | None = None) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": ErrorCode.QUERY_TOO_COMPLEX.value})


class _TooLong(Exception):
    def __init__(self, field: str, limit: int, node: Node) -> None:
        self.error = GraphQLError(
            f"{field} 过长，最多 {limit} 个字符",
            node,
            extensions={"code": ErrorCode.BAD_USER_INPUT.value, "field": field},
        )


class _Walk:
    """Measures selections; each fragment is measured once (its type condition fixes its
    parent type, so its measure is the same wherever it is spread)."""

    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any]
    ) -> None:
        self.schema, self.variables = schema, variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.measured: dict[str, Measure] = {}

    def operation(self, node: OperationDefinitionNode) -> Measure:
        root = {
            OperationType.QUERY: self.schema.query_type,
            OperationType.MUTATION: self.schema.mutation_type,
            OperationType.SUBSCRIPTION: self.schema.subscription_type,
        }[node.operation]
        return self.selections(node.selection_set, root)

    def fragment(self, name: str) -> Measure:
        if (known := self.measured.get(name)) is not None:
            return known
        fragment = self.fragments.get(name)
        if fragment is None:
            return _NOTHING  # reported by the standard rules
        self.measured[name] = _NOTHING  # a cycle adds nothing; NoFragmentCycles reports it
        owner = self.schema.get_type(fragment.type_condition.name.value)
        self.measured[name] = measure = self.selections(fragment.selection_set, owner)
        return measure

    def selections(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None
    ) -> Measure:
        depth = aliases = fields = cost = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                measure = self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                owner = self.schema.get_type(condition.name.value) if condition else parent
                measure = self.selections(selection.selection_set, owner)
            elif isinstance(selection, FragmentSpreadNode):
                measure = self.fragment(selection.name.value)
            else:
                continue
            depth = max(depth, measure.depth)
            aliases += measure.aliases
            fields += measure.fields
            cost += measure.cost
        return Measure(depth, min(aliases, _CAP), min(fields, _CAP), min(cost, _CAP))

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> Measure:
        aliases = 0 if node.alias is None else 1
        definition = None
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            definition = parent.fields.get(node.name.value)
        weight = None
        if definition is not None:
            coordinate = f"{parent.name}.{node.name.value}"  # type: ignore[union-attr]
            self._check_text(node, coordinate, definition.args)
            weight = FIELD_COSTS.get(coordinate, FIELD_COSTS.get(f"{parent.name}.*"))  # type: ignore[union-attr]
        target = get_named_type(definition.type) if definition is not None else None
        if node.selection_set is None or target is None or is_leaf_type(target):
            inner = self.selections(node.selection_set, None) if node.selection_set else _NOTHING
            cost = weight or 0  # scalars are free unless the map says otherwise
            depth = inner.depth + 1 if node.selection_set else 0  # unknown fields nest too
            return Measure(depth, aliases + inner.aliases, 1 + inner.fields, cost)
        inner = self.selections(node.selection_set, target)
        multiplier = self._first(node)
        if multiplier is None:
            multiplier = DEFAULT_PAGE if "first" in definition.args else 1  # type: ignore[union-attr]
        cost = (1 if weight is None else weight) + max(multiplier, 1) * inner.cost
        return Measure(inner.depth + 1, aliases + inner.aliases, 1 + inner.fields, min(cost, _CAP))

    def _first(self, field: FieldNode) -> int | None:
        for argument in field.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                digits = value.value.lstrip("-")
                return int(value.value) if len(digits) < 10 else _CAP  # beyond Int anyway
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                return given if isinstance(given, int) else None
        return None

    def _check_text(self, node: FieldNode, coordinate: str, args: Mapping[str, Any]) -> None:
        for argument in node.arguments or ():
            name = argument.name.value
            definition = args.get(name)
            if definition is None:
                continue
            if found := first_overlong_literal(
                argument.value, definition.type, f"{coordinate}({name}:)", self.variables
            ):
                raise _TooLong(*found, argument)


def repeated_pairs(document: DocumentNode, budget: int) -> int:
    """Pairs of same-named fields in every merged selection (fragments expanded), the work
    of the overlapping-fields rule; stops counting past `budget`. Only run on documents
    whose expanded fields are bounded, so this walk is bounded too."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }

    def collect(
        selection_set: SelectionSetNode,
        groups: dict[str, list[FieldNode]],
        spreading: frozenset[str],
    ) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = (selection.alias or selection.name).value
                groups[name].append(selection)
            elif isinstance(selection, InlineFragmentNode):
                collect(selection.selection_set, groups, spreading)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is not None and name not in spreading:
                    collect(fragment.selection_set, groups, spreading | {name})

    def pairs(selection_sets: list[SelectionSetNode], found: int) -> int:
        groups: dict[str, list[FieldNode]] = defaultdict(list)
        for selection_set in selection_sets:
            collect(selection_set, groups, frozenset())
        for fields in groups.values():
            found += len(fields) * (len(fields) - 1) // 2
            inner = [f.selection_set for f in fields if f.selection_set is not None]
            if found > budget:
                return found
            if inner:
                found = pairs(inner, found)
        return found

    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    found = 0
    for operation in operations:
        found = pairs([operation.selection_set], found)
        if found > budget:
            break
    return found


@dataclass
class CostReport:
    requested: int = 0


def check_limits(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any],
    limits: Limits,
    report: CostReport,
) -> list[GraphQLError]:
    walk = _Walk(schema, document, variables)
    try:
        measures = [
            walk.operation(definition)
            for definition in document.definitions
            if isinstance(definition, OperationDefinitionNode)
        ]
    except _TooLong as too_long:
        return [too_long.error]
    total = Measure(
        depth=max((m.depth for m in measures), default=0),
        aliases=sum(m.aliases for m in measures),
        fields=sum(m.fields for m in measures),
        cost=sum(m.cost for m in measures),
    )
    report.requested = total.cost
    if total.depth > limits.max_depth:
        return [_too_complex(f"查询嵌套层数超过上限 {limits.max_depth} 层")]
    if total.aliases > limits.max_aliases:
        return [_too_complex(f"查询中的别名超过上限 {limits.max_aliases} 个（含片段展开后）")]
    if total.fields > limits.max_fields:
        return [_too_complex(f"查询的字段超过上限 {limits.max_fields} 个（含片段展开后）")]
    if total.cost > limits.max_cost:
        return [_too_complex(f"查询代价 {total.cost} 超过上限 {limits.max_cost}")]
    if repeated_pairs(document, MAX_REPEATED_PAIRS) > MAX_REPEATED_PAIRS:
        return [_too_complex("查询中重复的字段过多，请合并相同的字段")]
    return []


class RequestValidation(SchemaExtension):
    """The whole validation step: the limits above, then graphql-core's rules.

    It sets the validation result itself (as strawberry's `ValidationCache` does), so
    a refused document never reaches the standard rules, and suggestions can be
    hidden from every rule, not only from unknown fields.
    """

    def __init__(self, *, limits: Limits, hide_suggestions: bool) -> None:
        self.limits, self.hide_suggestions = limits, hide_suggestions
        self.report = CostReport()

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            schema = context.schema._schema
            variables = context.variables if isinstance(context.variables, dict) else {}
            errors = check_limits(schema, document, variables, self.limits, self.report)
            if not errors:
                errors = validate(
                    schema,
                    document,
                    (*context.validation_rules, MaybeNullValidationRule, OneOfInputValidationRule),
                    hide_suggestions=self.hide_suggestions,
                )
            context.pre_execution_errors = errors
        yield

    def get_results(self) -> dict[str, Any]:
        return {"cost": {"requested": self.report.requested, "limit": self.limits.max_cost}}
