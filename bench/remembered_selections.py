"""graphql-core's executor, remembering which fields each selection holds across requests.

For every object it completes, graphql-core's executor collects the fields of its
selection again: it walks the selection set, expands fragments, reads @include/@skip and
groups fields by response key. Within one request it remembers that per field (a list of
a hundred listings collects once), but the next request with the same document starts
over. For one operation that answer never changes except through the variables that
@include/@skip read, and the API hands the executor the very same operation node for a
repeated document (the document cache of `limits.py`). So `RememberingExecutor` keeps
the collected fields per operation and per combination of those variables' values, for
the most recently used operations. Everything else is graphql-core's execution as it is:
the same resolvers, values, errors and null propagation.

A query only, and never one with @defer/@stream or fragment arguments (their collected
fields carry per-request state): those run as graphql-core runs them.

This is the smallest alternative to the API's execution plans (`api/execution/plans.py`)
that `bench/profile_home.py` measures side by side with them; it is not shipped: it kept
under half of the plans' saving (README, "Performance").
"""

from collections import OrderedDict
from typing import Any, ClassVar

import strawberry
from graphql import (
    GraphQLObjectType,
    OperationDefinitionNode,
    OperationType,
)
from graphql.execution.collect_fields import CollectedFields, FieldDetailsList, FragmentDetails
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from sannong.api.execution.plans import condition_variables

# Collected fields kept per operation, one set per combination of its @include/@skip
# values: a screen has one or two (signed in or not); 2^k for k variables is unbounded.
COMBINATIONS_PER_OPERATION = 8

type _Selections = dict[tuple[Any, ...], CollectedFields]


class _Operation:
    """One operation: the variables its @include/@skip read, its collected fields."""

    __slots__ = ("condition_variables", "fragments", "operation", "selections")

    def __init__(
        self, operation: OperationDefinitionNode, fragments: dict[str, FragmentDetails]
    ) -> None:
        # Kept alive with the cache, so the ids of their nodes name nothing else meanwhile.
        self.operation, self.fragments = operation, fragments
        self.condition_variables = condition_variables(
            [operation, *(each.definition for each in fragments.values())]
        )
        self.selections: dict[tuple[Any, ...], _Selections] = {}


class OperationCache:
    """The collected fields of one schema's most recently used operations."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self.operations: OrderedDict[int, _Operation] = OrderedDict()

    def selections_for(self, run: "RememberingExecutor") -> _Selections | None:
        key = id(run.operation)
        found = self.operations.get(key)
        if found is None or found.operation is not run.operation:
            found = self.operations[key] = _Operation(run.operation, run.fragments)
            if len(self.operations) > self.size:
                self.operations.popitem(last=False)
        else:
            self.operations.move_to_end(key)
        if found.condition_variables is None:
            return None
        coerced = run.variable_values.coerced
        values = tuple(coerced.get(name) for name in found.condition_variables)
        selections = found.selections.get(values)
        if selections is None:
            if len(found.selections) >= COMBINATIONS_PER_OPERATION:
                return None  # a client trying every combination gets graphql-core's
            selections = found.selections[values] = {}
        return selections


class RememberingExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with the collected fields of an operation kept across
    requests. A schema gets its own subclass with its own cache (`remember_selections`)."""

    cache: ClassVar[OperationCache | None] = None
    _selections: _Selections | None = None  # this request's share of the cache

    def execute_operation(self, serially: bool | None = None) -> Any:
        if (
            self.cache is not None
            and serially is None
            and self.operation.operation is OperationType.QUERY
        ):
            self._selections = self.cache.selections_for(self)
        return super().execute_operation(serially)

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields:
        selections = self._selections
        if selections is None:
            return super().collect_subfields(return_type, field_details_list)
        # The same field nodes, fragments expanded, select the same fields of one type.
        key = (return_type, *[id(details.node) for details in field_details_list])
        found = selections.get(key)
        if found is None:
            found = selections[key] = super().collect_subfields(return_type, field_details_list)
        return found


def remember_selections(schema: strawberry.Schema) -> strawberry.Schema:
    """`schema` with its executor remembering collected fields (its own cache)."""
    schema.execution_context_class = type(
        "Remembering",
        (RememberingExecutor, schema.execution_context_class),
        {"cache": OperationCache()},
    )
    return schema
