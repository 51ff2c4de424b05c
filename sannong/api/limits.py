"""Limits checked before any resolver runs: depth, aliases and cost.

Tokens are limited by the parser (`max_tokens`). Cost: every object or list
field costs its weight (1 unless `FIELD_COSTS` says otherwise; scalars cost 0
unless listed, so every mutation costs at least its weight),
and a field with a `first` argument multiplies the cost of what it selects, so

    listings(first: 100) { edges { node { seller { name } } } }

costs 1 + 100 × (1 + 1 + 1) = 301. The response reports
`extensions.cost { requested, limit }`.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
    is_leaf_type,
)
from strawberry.extensions import SchemaExtension

from sannong.errors import ErrorCode

# Weights of fields that cost more than one object; grows with the features.
FIELD_COSTS: dict[str, int] = {
    "Mutation.*": 10,
    "Query.search": 20,
    "Query.priceHistory": 10,  # up to a year of daily reports over every market
}
DEFAULT_PAGE = 20  # what a connection returns when `first` is not given


def _too_complex(message: str, node: Any) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": ErrorCode.QUERY_TOO_COMPLEX.value})


def _fragments(context: ValidationContext) -> dict[str, FragmentDefinitionNode]:
    return {
        d.name.value: d
        for d in context.document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }


def _fields(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    seen: frozenset[str] = frozenset(),
) -> Iterator[tuple[FieldNode, str | None]]:
    """Fields of a selection set with fragments flattened, and the type condition they sit in."""
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection, None
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else None
            for field, inner in _fields(selection.selection_set, fragments, seen):
                yield field, inner or condition
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in seen:  # cycles are reported by the standard rules
                continue
            condition = fragment.type_condition.name.value
            for field, inner in _fields(fragment.selection_set, fragments, seen | {name}):
                yield field, inner or condition


def depth_limit_rule(max_depth: int) -> type[ValidationRule]:
    class DepthLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            fragments = _fragments(self.context)

            def depth(selection_set: SelectionSetNode | None, level: int) -> int:
                if level > max_depth:
                    return level
                deepest = level
                for field, _ in _fields(selection_set, fragments):
                    if field.selection_set is not None:
                        deepest = max(deepest, depth(field.selection_set, level + 1))
                return deepest

            if depth(node.selection_set, 0) > max_depth:
                self.report_error(_too_complex(f"查询嵌套层数超过上限 {max_depth} 层", node))

    return DepthLimit


def alias_limit_rule(max_aliases: int) -> type[ValidationRule]:
    class AliasLimit(ValidationRule):
        count = 0

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            if node.alias is not None:
                self.count += 1
                if self.count == max_aliases + 1:
                    self.report_error(_too_complex(f"查询中的别名超过上限 {max_aliases} 个", node))

    return AliasLimit


@dataclass
class CostReport:
    requested: int = 0


def _first_argument(field: FieldNode, variables: dict[str, Any]) -> int | None:
    for argument in field.arguments or ():
        if argument.name.value != "first":
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            return given if isinstance(given, int) else None
    return None


def cost_rule(report: CostReport, limit: int, variables: dict[str, Any]) -> type[ValidationRule]:
    class CostLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            schema = self.context.schema
            fragments = _fragments(self.context)
            root = {
                OperationType.QUERY: schema.query_type,
                OperationType.MUTATION: schema.mutation_type,
                OperationType.SUBSCRIPTION: schema.subscription_type,
            }[node.operation]

            def cost(selection_set: SelectionSetNode | None, parent: GraphQLNamedType) -> int:
                total = 0
                for field, condition in _fields(selection_set, fragments):
                    owner = schema.get_type(condition) if condition else parent
                    if not isinstance(owner, GraphQLObjectType | GraphQLInterfaceType):
                        continue
                    definition = owner.fields.get(field.name.value)
                    if definition is None:
                        continue
                    target = get_named_type(definition.type)
                    weight = FIELD_COSTS.get(
                        f"{owner.name}.{field.name.value}", FIELD_COSTS.get(f"{owner.name}.*")
                    )
                    if is_leaf_type(target):
                        total += weight or 0  # scalars are free unless the map says otherwise
                        continue
                    weight = 1 if weight is None else weight
                    multiplier = _first_argument(field, variables)
                    if multiplier is None:
                        multiplier = DEFAULT_PAGE if "first" in definition.args else 1
                    total += weight + max(multiplier, 1) * cost(field.selection_set, target)
                return total

            if root is None:
                return
            report.requested += cost(node.selection_set, root)
            if report.requested > limit:
                self.report_error(
                    _too_complex(f"查询代价 {report.requested} 超过上限 {limit}", node)
                )

    return CostLimit


class RequestLimits(SchemaExtension):
    """Adds the depth, alias and cost rules to validation and reports the cost."""

    def __init__(self, *, max_depth: int, max_aliases: int, max_cost: int) -> None:
        self.max_depth, self.max_aliases, self.max_cost = max_depth, max_aliases, max_cost
        self.report = CostReport()

    def on_operation(self) -> Iterator[None]:
        self.report = CostReport()
        context = self.execution_context
        context.validation_rules = (
            *context.validation_rules,
            depth_limit_rule(self.max_depth),
            alias_limit_rule(self.max_aliases),
            cost_rule(self.report, self.max_cost, context.variables or {}),
        )
        yield

    def get_results(self) -> dict[str, Any]:
        return {"cost": {"requested": self.report.requested, "limit": self.max_cost}}
