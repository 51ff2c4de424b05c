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

import contextlib
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    Node,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    is_leaf_type,
    parse,
    validate,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from sannong.api.input_limits import first_overlong_literal
from sannong.api.metrics import DOCUMENTS
from sannong.errors import ErrorCode

# Weights of fields that cost more than one object; grows with the features.
FIELD_COSTS: dict[str, int] = {
    "Mutation.*": 10,
    "Query.search": 20,
    "Query.priceHistory": 10,  # up to a year of daily reports over every market
    "Query.noticeStats": 10,  # groups the residents and receipts of a whole region
    "Query.similarFeedback": 5,  # ranks up to 200 candidate tickets
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
        # What depends on the variables, so a cached document checks only these again.
        self.first_variables: set[str] = set()
        self.variable_arguments: list[_VariableArgument] = []

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
                self.first_variables.add(value.name.value)
                given = self.variables.get(value.name.value)
                return given if isinstance(given, int) else None
        return None

    def _check_text(self, node: FieldNode, coordinate: str, args: Mapping[str, Any]) -> None:
        for argument in node.arguments or ():
            name = argument.name.value
            definition = args.get(name)
            if definition is None:
                continue
            where = f"{coordinate}({name}:)"
            if has_variable(argument.value):
                self.variable_arguments.append(_VariableArgument(argument, definition.type, where))
            elif found := first_overlong_literal(argument.value, definition.type, where, {}):
                raise _TooLong(*found, argument)


class _VariableArgument(NamedTuple):
    """An argument whose text comes (partly) from variables: checked on every request."""

    node: ArgumentNode
    type: GraphQLInputType
    coordinate: str

    def too_long(self, variables: Mapping[str, Any]) -> GraphQLError | None:
        found = first_overlong_literal(self.node.value, self.type, self.coordinate, variables)
        return _TooLong(*found, self.node).error if found else None


def has_variable(node: ValueNode) -> bool:
    if isinstance(node, VariableNode):
        return True
    if isinstance(node, ListValueNode):
        return any(has_variable(item) for item in node.values)
    if isinstance(node, ObjectValueNode):
        return any(has_variable(field.value) for field in node.fields)
    return False


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


def _measure_operations(walk: _Walk, document: DocumentNode) -> Measure:
    measures = [
        walk.operation(definition)
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]
    return Measure(
        depth=max((m.depth for m in measures), default=0),
        aliases=sum(m.aliases for m in measures),
        fields=sum(m.fields for m in measures),
        cost=sum(m.cost for m in measures),
    )


def _over_limits(total: Measure, limits: Limits) -> GraphQLError | None:
    if total.depth > limits.max_depth:
        return _too_complex(f"查询嵌套层数超过上限 {limits.max_depth} 层")
    if total.aliases > limits.max_aliases:
        return _too_complex(f"查询中的别名超过上限 {limits.max_aliases} 个（含片段展开后）")
    if total.fields > limits.max_fields:
        return _too_complex(f"查询的字段超过上限 {limits.max_fields} 个（含片段展开后）")
    if total.cost > limits.max_cost:
        return _too_complex(f"查询代价 {total.cost} 超过上限 {limits.max_cost}")
    return None


class PreparedDocument:
    """One document's checks, done once: the walk, the repeated-field count and
    graphql-core's rules. Only what depends on variables runs per request: the text
    of variable arguments, and the cost again for `first` values not seen yet."""

    MEASURES_KEPT = 16  # `first` values of one document: a screen uses a few

    def __init__(self, cache: "DocumentCache", document: DocumentNode) -> None:
        self.cache, self.document = cache, document
        self.walked = False
        self.first_variables: tuple[str, ...] = ()
        self.variable_arguments: list[_VariableArgument] = []
        self.static_error: GraphQLError | None = None  # a literal too long: always refused
        self.measures: dict[tuple[object, ...], Measure] = {}
        self.standard_errors: list[GraphQLError] | None = None

    def _first(self, variables: Mapping[str, Any]) -> tuple[object, ...]:
        return tuple(
            v if isinstance(v := variables.get(name), int) else None
            for name in self.first_variables
        )

    def _walk(self, variables: Mapping[str, Any]) -> Measure | None:
        self.walked = True
        walk = _Walk(self.cache.schema, self.document, variables)
        try:
            total = _measure_operations(walk, self.document)
        except _TooLong as too_long:
            self.static_error = too_long.error
            return None
        self.first_variables = tuple(sorted(walk.first_variables))
        self.variable_arguments = walk.variable_arguments
        if len(self.measures) >= self.MEASURES_KEPT:
            self.measures.clear()
        self.measures[self._first(variables)] = total
        return total

    def errors(self, variables: Mapping[str, Any], report: CostReport) -> list[GraphQLError]:
        total = None if self.walked else self._walk(variables)
        if self.static_error is not None:
            return [self.static_error]
        for argument in self.variable_arguments:
            if error := argument.too_long(variables):
                return [error]
        total = total or self.measures.get(self._first(variables)) or self._walk(variables)
        assert total is not None  # a static error would have been returned above
        report.requested = total.cost
        if error := _over_limits(total, self.cache.limits):
            return [error]
        if self.standard_errors is None:
            self.standard_errors = self.cache.validate(self.document)
        return self.standard_errors


class DocumentCache:
    """Parsed and checked documents by their text, for the life of the process.

    Bounded (LRU), so unique texts sent to churn it cost the sender, not memory.
    `parsed` and `validated` count the real work, for the metrics and the tests.
    """

    SIZE = 512

    def __init__(self, limits: Limits, *, hide_suggestions: bool) -> None:
        self.limits, self.hide_suggestions = limits, hide_suggestions
        self.schema: GraphQLSchema = GraphQLSchema()  # set by `bind`
        self.rules: tuple[Any, ...] = ()
        self._prepared: OrderedDict[str, PreparedDocument] = OrderedDict()

    def bind(self, schema: GraphQLSchema, rules: Iterable[Any]) -> None:
        if self.schema is not schema:
            self.schema = schema
            self.rules = (*rules, MaybeNullValidationRule, OneOfInputValidationRule)
            self._prepared.clear()

    def parse(self, query: str, parse_options: Mapping[str, Any]) -> DocumentNode:
        if (prepared := self._prepared.get(query)) is not None:
            self._prepared.move_to_end(query)
            return prepared.document
        document = parse(query, **parse_options)
        DOCUMENTS.labels("parsed").inc()
        return document

    def prepared(self, query: str, document: DocumentNode) -> PreparedDocument:
        prepared = self._prepared.get(query)
        if prepared is None or prepared.document is not document:
            prepared = PreparedDocument(self, document)
            self._prepared[query] = prepared
            if len(self._prepared) > self.SIZE:
                self._prepared.popitem(last=False)
        return prepared

    def validate(self, document: DocumentNode) -> list[GraphQLError]:
        """graphql-core's rules; refused documents are cached with their errors too."""
        if repeated_pairs(document, MAX_REPEATED_PAIRS) > MAX_REPEATED_PAIRS:
            return [_too_complex("查询中重复的字段过多，请合并相同的字段")]
        DOCUMENTS.labels("validated").inc()
        return validate(self.schema, document, self.rules, hide_suggestions=self.hide_suggestions)


class RequestValidation(SchemaExtension):
    """Parsing and the whole validation step, through the process's `DocumentCache`.

    It sets the document and the validation result itself (as strawberry's
    `ParserCache` and `ValidationCache` do), so a refused document never reaches the
    standard rules, suggestions can be hidden from every rule, and a document seen
    before is neither parsed nor validated again.
    """

    def __init__(self, cache: DocumentCache) -> None:
        self.cache = cache
        self.report = CostReport()

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query and context.graphql_document is None:
            # A syntax error is left to strawberry's own parse, which reports it.
            with contextlib.suppress(GraphQLError):
                context.graphql_document = self.cache.parse(context.query, context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.query and context.pre_execution_errors is None:
            self.cache.bind(context.schema._schema, context.validation_rules)
            variables = context.variables if isinstance(context.variables, dict) else {}
            prepared = self.cache.prepared(context.query, document)
            context.pre_execution_errors = prepared.errors(variables, self.report)
        yield

    def get_results(self) -> dict[str, Any]:
        return {"cost": {"requested": self.report.requested, "limit": self.cache.limits.max_cost}}
