"""Execution plans: a query runs without graphql-core's per-field bookkeeping.

For every field of every object of every request, graphql-core's executor looks the
field up in the schema, collects the selections of its object again (fragments
included), builds a resolve info and a response path, and walks the field's type with
a chain of type checks to complete its value. A farmer's Home has ~130 fields, and
that bookkeeping was the largest share of the API's CPU after the database driver
(bench/profile_home.py). For one operation those answers never change, and the API
hands the executor the same operation node for a repeated document (the document
cache of `limits.py`).

So `PlannedExecutor` keeps a plan per operation: for each selection, the fields with
their definition, their resolver (or the attribute a plain field reads, see
`fast_fields.py`), their arguments when those are literals, and one completion step
per type. The plan is made whole before any resolver runs, so an operation it cannot
cover goes to graphql-core before anything happened; only the runtime types of an
interface or union are planned when a value of that type first comes. Running the
plan, a field costs its resolver call and what its value needs; a resolve info and a
path are built only for a resolver that takes them, for a list or an object, and for
an error.

A coroutine a resolver returns is run at once up to its first wait (`_resumed`), in a
context of its own as a task would run it: when the loads it awaits are in already
(futures already done do not suspend) its value is used there, which saves the task
graphql-core would make for it and a turn of the event loop; otherwise the rest is
awaited alongside its siblings. Loads issued meanwhile still batch: a DataLoader
dispatches on the next turn of the loop, after the whole synchronous pass.

The results, errors and null propagation are graphql-core's (the same error texts,
the same located paths); `tests/test_plans.py` runs documents both ways, and
`tests/test_plans_differential.py` every role's generated documents over the whole
schema. What a plan does not cover runs through graphql-core unchanged: mutations and subscriptions
(they run once per request anyway), introspection fields other than `__typename`,
@defer and @stream, fragment arguments, field middleware and abort signals. @include
and @skip may use variables: an operation gets one plan per combination of the
values they read. `SANNONG_EXECUTION_PLANS=false` turns plans off.
"""

import math
import types
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Generator, Iterable
from contextvars import Context, copy_context
from types import CoroutineType
from typing import Any, ClassVar

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLAbstractType,
    GraphQLError,
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    OperationDefinitionNode,
    OperationType,
    Undefined,
    VariableNode,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
    located_error,
)
from graphql.execution.collect_fields import (
    FieldDetailsList,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import get_argument_values
from graphql.language import Visitor, visit
from graphql.pyutils import Path, gather_with_cancel, inspect, is_iterable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from sannong.api.execution.fast_fields import attribute_of, bare_of
from sannong.api.execution.versions import tested_versions_installed
from sannong.api.limits import has_variable

# Values of these types pass as they are; graphql-core would check and return them so.
_PASS_THROUGH: dict[str, type] = {"String": str, "ID": str, "Boolean": bool}
_INT_RANGE = range(-(2**31), 2**31)
_PLAIN = frozenset({str, int, float, bool, dict, type(None)})  # never awaitable


# Plans kept per operation, one per combination of its @include/@skip variables: a
# screen has one or two (signed in or not); 2^k for k variables would be unbounded.
PLANS_PER_OPERATION = 8


class _Unplannable(Exception):
    """Something a plan does not cover: the operation runs through graphql-core."""


class _Field:
    """One response key of a selection: what to call and how to complete the answer."""

    __slots__ = (
        "arguments",
        "bare",
        "complete",
        "definition",
        "details",
        "key",
        "name",
        "needs_path",
        "nodes",
        "non_null",
        "parent",
        "reads",
        "resolve",
        "typename",
    )

    def __init__(
        self, planner: "PlannedExecutor", parent: GraphQLObjectType, key: str, details: Any
    ) -> None:
        node: FieldNode = details[0].node
        self.key, self.name, self.parent, self.details = key, node.name.value, parent, details
        self.nodes = [d.node for d in details]
        self.typename = self.name == "__typename"
        if self.name.startswith("__") and not self.typename:
            raise _Unplannable(self.name)  # introspection: graphql-core's
        if any(d.defer_usage is not None or d.fragment_variable_values for d in details):
            raise _Unplannable("defer or fragment arguments")
        definition = planner.schema.get_field(parent, self.name)
        if definition is None:
            raise _Unplannable(self.name)  # validation let an unknown field through
        self.definition: GraphQLField = definition
        self.resolve = definition.resolve or planner.field_resolver
        self.reads = attribute_of(self.resolve)
        self.bare = bare_of(self.resolve)
        self.arguments = _literal_arguments(planner, definition, node)
        self.complete: _Completion = _completion(planner, definition.type, details)
        self.non_null = is_non_null_type(definition.type)
        self.needs_path = not self.typename and (
            (self.reads is None and self.bare is None) or not self.complete.leaf
        )


def _literal_arguments(
    planner: "PlannedExecutor", definition: GraphQLField, node: FieldNode
) -> dict[str, Any] | None:
    """The arguments, computed once when no variable appears in them, else None."""
    if not definition.args and not node.arguments:
        return {}
    if any(has_variable(argument.value) for argument in node.arguments or ()):
        return None
    try:
        return get_argument_values(
            definition, node, planner.variable_values, None, planner.hide_suggestions
        )
    except GraphQLError:
        return None  # raised again at run time, as a field error in its place


class _Completion(ABC):
    """How a value of one output type becomes its part of the answer."""

    leaf = False  # a scalar or an enum: no path, never awaitable

    @abstractmethod
    def complete(
        self, run: "PlannedExecutor", value: Any, field: _Field, path: Path | None
    ) -> Any: ...


class _Leaf(_Completion):
    leaf = True

    def __init__(self, leaf_type: GraphQLLeafType) -> None:
        self.type = leaf_type
        self.exact = _PASS_THROUGH.get(leaf_type.name)
        self.int = leaf_type.name == "Int"
        self.float = leaf_type.name == "Float"

    def complete(self, run: "PlannedExecutor", value: Any, field: _Field, path: Path | None) -> Any:
        if value is None or value is Undefined:
            return None
        kind = type(value)
        if (
            kind is self.exact
            or (self.int and kind is int and value in _INT_RANGE)
            or (self.float and kind is float and math.isfinite(value))
        ):
            return value
        coerced = self.type.coerce_output_value(value)
        if coerced is Undefined or coerced is None:
            msg = (
                f"Expected `{inspect(self.type)}.coerce_output_value("
                f"{inspect(value)})` to return non-nullable value, returned:"
                f" {inspect(coerced)}"
            )
            raise TypeError(msg)
        return coerced


class _NonNull(_Completion):
    def __init__(self, inner: _Completion) -> None:
        self.inner = inner
        self.leaf = inner.leaf

    def complete(self, run: "PlannedExecutor", value: Any, field: _Field, path: Path | None) -> Any:
        completed = self.inner.complete(run, value, field, path)
        if completed is None:
            raise TypeError(_null_in_non_null(field))
        if type(completed) is CoroutineType:
            return _checked_not_null(completed, field)
        return completed


def _null_in_non_null(field: _Field) -> str:
    return f"Cannot return null for non-nullable field {field.parent}.{field.name}."


async def _checked_not_null(completed: Awaitable[Any], field: _Field) -> Any:
    value = await completed
    if value is None:
        raise TypeError(_null_in_non_null(field))
    return value


class _List(_Completion):
    def __init__(self, item: _Completion, item_type: GraphQLOutputType) -> None:
        self.item = item
        self.item_non_null = is_non_null_type(item_type)

    def complete(self, run: "PlannedExecutor", value: Any, field: _Field, path: Path | None) -> Any:
        if value is None or value is Undefined:
            return None
        if not is_iterable(value):
            msg = (
                f"Expected Iterable, but did not find one for field '{field.parent}.{field.name}'."
            )
            raise GraphQLError(msg)
        item = self.item
        results: list[Any] = []
        pending: list[int] = []
        for index, each in enumerate(value):
            item_path = Path(path, index, None)
            try:
                if type(each) not in _PLAIN and run.is_awaitable(each):
                    results.append(run.settled(each, item, field, item_path, items=self))
                    pending.append(index)
                    continue
                if isinstance(each, Exception):
                    raise each
                completed = item.complete(run, each, field, item_path)
                if type(completed) is CoroutineType:
                    completed = run.settled(completed, None, field, item_path, items=self)
                    pending.append(index)
                results.append(completed)
            except Exception as raw:
                try:
                    run.item_error(self, raw, field, item_path)
                except Exception:
                    run.settle_in_background([results[i] for i in pending])
                    raise
                results.append(None)
        if not pending:
            return results
        return _gathered_list(results, pending)


async def _gathered_list(results: list[Any], pending: list[int]) -> list[Any]:
    if len(pending) == 1:
        results[pending[0]] = await results[pending[0]]
    else:
        done = await gather_with_cancel(*(results[i] for i in pending))
        for index, value in zip(pending, done, strict=True):
            results[index] = value
    return results


class _Object(_Completion):
    """An object type's selection, planned whole before anything runs."""

    def __init__(
        self,
        run: "PlannedExecutor",
        object_type: GraphQLObjectType,
        details: FieldDetailsList | None,
    ) -> None:
        self.type = object_type
        if details is None:  # the operation's root
            collected = collect_fields(
                run.schema,
                run.fragments,
                run.variable_values,
                object_type,
                run.operation,
                run.hide_suggestions,
            )
        else:
            collected = collect_subfields(
                run.schema,
                run.fragments,
                run.variable_values,
                run.operation,
                object_type,
                details,
                run.hide_suggestions,
            )
        if collected.new_defer_usages:
            raise _Unplannable("defer")
        self.fields = [
            _Field(run, object_type, key, field_details)
            for key, field_details in collected.grouped_field_set.items()
        ]
        self.is_type_of = object_type.is_type_of
        # Strawberry's own check ignores the info; another one gets a real one.
        self.check_needs_info = self.is_type_of is not None and not getattr(
            self.is_type_of, "__qualname__", ""
        ).endswith("_get_is_type_of.<locals>.is_type_of")

    def complete(self, run: "PlannedExecutor", value: Any, field: _Field, path: Path | None) -> Any:
        if value is None or value is Undefined:
            return None
        if self.is_type_of is not None:
            info = run.info_for(field, path) if self.check_needs_info else None
            matches = self.is_type_of(value, info)  # type: ignore[arg-type]
            if run.is_awaitable(matches):
                raise TypeError("An asynchronous is_type_of needs graphql-core's executor")
            if not matches:
                msg = f"Expected value of type '{self.type.name}' but got: {inspect(value)}."
                raise GraphQLError(msg, field.nodes)
        return run.execute_plan(self.fields, value, path)


class _Abstract(_Completion):
    """An interface or union: each runtime type's selection is planned the first time a
    value of that type comes (`node` alone has dozens of possible types)."""

    def __init__(self, abstract: GraphQLAbstractType, details: FieldDetailsList) -> None:
        self.type = abstract
        self.details = details
        self.objects: dict[str, _Object] = {}

    def complete(self, run: "PlannedExecutor", value: Any, field: _Field, path: Path | None) -> Any:
        if value is None or value is Undefined:
            return None
        info = run.info_for(field, path)
        resolve_type = self.type.resolve_type or run.type_resolver
        name = resolve_type(value, info, self.type)
        if run.is_awaitable(name):
            raise TypeError("An asynchronous resolve_type needs graphql-core's executor")
        runtime = run.ensure_valid_runtime_type(name, self.type, self.details, info, value)
        found = self.objects.get(runtime.name)
        if found is None:
            try:
                found = self.objects[runtime.name] = _Object(run, runtime, self.details)
            except _Unplannable as error:
                # Cannot happen after validation and the checks of `condition_variables`
                # (introspection only at the root, no @defer); a field error if it does.
                raise TypeError(f"No plan for {runtime.name}: {error}") from error
        return found.complete(run, value, field, path)


def _completion(
    run: "PlannedExecutor", of: GraphQLOutputType, details: FieldDetailsList
) -> _Completion:
    if is_non_null_type(of):
        assert isinstance(of, GraphQLNonNull)
        return _NonNull(_completion(run, of.of_type, details))
    if is_list_type(of):
        assert isinstance(of, GraphQLList)
        return _List(_completion(run, of.of_type, details), of.of_type)
    if is_leaf_type(of):
        return _Leaf(of)
    if is_abstract_type(of):
        return _Abstract(of, details)
    if is_object_type(of):
        return _Object(run, of, details)
    raise _Unplannable(str(of))


class _Operation:
    """What is known of one operation: the variables its @include/@skip read, its plans."""

    __slots__ = ("condition_variables", "operation", "plans")

    def __init__(self, operation: OperationDefinitionNode, fragments: Iterable[Any]) -> None:
        self.operation = operation  # kept alive, so its id names nothing else meanwhile
        self.plans: dict[tuple[Any, ...], _Object | None] = {}
        self.condition_variables = condition_variables([operation, *fragments])


def condition_variables(definitions: list[Any]) -> tuple[str, ...] | None:
    """The variables @include and @skip read; None if a directive makes it unplannable."""
    names: set[str] = set()
    unplannable = False

    class Directives(Visitor):
        def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
            nonlocal unplannable
            if node.name.value in ("defer", "stream"):
                unplannable = True
            for argument in node.arguments or ():
                if isinstance(argument.value, VariableNode):
                    names.add(argument.value.name.value)
                elif not isinstance(argument.value, BooleanValueNode):
                    unplannable = True

    for definition in definitions:
        if isinstance(definition, FragmentDefinitionNode) and definition.variable_definitions:
            return None  # fragment arguments
        visit(definition, Directives())
    return None if unplannable else tuple(sorted(names))


class Plans:
    """The plans of one schema, for the most recently used operations."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self.operations: OrderedDict[int, _Operation] = OrderedDict()

    def known(self, run: "PlannedExecutor") -> _Operation:
        key = id(run.operation)
        found = self.operations.get(key)
        if found is None or found.operation is not run.operation:
            fragments = (f.definition for f in run.fragments.values())
            found = self.operations[key] = _Operation(run.operation, fragments)
            if len(self.operations) > self.size:
                self.operations.popitem(last=False)
        else:
            self.operations.move_to_end(key)
        return found


class PlannedExecutor(StrawberryGraphQLCoreExecutionContext):
    """Runs a query operation from its plan; anything else as graphql-core does. A
    schema gets its own subclass with its own `plans` (`api/schema.py`)."""

    plans: ClassVar[Plans | None] = None  # None: graphql-core runs everything

    def execute_operation(self, serially: bool | None = None) -> Any:
        root = self._root_plan() if serially is None else None
        if root is None:
            return super().execute_operation(serially)
        try:
            data = self.execute_plan(root.fields, self.root_value, None)
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self.finish(self.build_response(None))
        if self.is_awaitable(data):
            return self._awaited_response(data)
        return self.finish(self.build_response(data))

    def _root_plan(self) -> _Object | None:
        root_type = self.schema.query_type
        if (
            self.plans is None
            or root_type is None
            or self.operation.operation is not OperationType.QUERY
            or self.abort_signal is not None
            or (self.middleware_manager is not None and self.middleware_manager.middlewares)
        ):
            return None
        known = self.plans.known(self)
        if known.condition_variables is None:
            return None
        values = tuple(self.variable_values.coerced.get(n) for n in known.condition_variables)
        if values not in known.plans:
            if len(known.plans) >= PLANS_PER_OPERATION:
                return None  # a client trying every combination gets graphql-core's
            try:
                known.plans[values] = _Object(self, root_type, None)
            except _Unplannable:
                known.plans[values] = None
        return known.plans[values]

    async def _awaited_response(self, data: Awaitable[dict[str, Any]]) -> Any:
        try:
            completed = await data
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self.build_response(None)
        return self.build_response(completed)

    def execute_plan(self, fields: list[_Field], source: Any, path: Path | None) -> Any:
        results: dict[str, Any] = {}
        pending: list[str] = []
        try:
            for field in fields:
                value = self.execute_planned_field(field, source, path)
                results[field.key] = value
                if type(value) is CoroutineType:
                    pending.append(field.key)
        except Exception:
            # A null propagating from a non-null field: the siblings already started
            # are settled in the background, as graphql-core does.
            self.settle_in_background([results[key] for key in pending])
            raise
        if not pending:
            return results
        return _gathered_object(results, pending)

    def execute_planned_field(self, field: _Field, source: Any, parent_path: Path | None) -> Any:
        path = Path(parent_path, field.key, field.parent.name) if field.needs_path else None
        try:
            if field.reads is not None:
                value = getattr(source, field.reads)
                # A leaf attribute holds its value; an object's may hold an awaitable.
                if not field.complete.leaf and self.is_awaitable(value):
                    return self.settled(value, field.complete, field, path, parent_path)
            elif field.typename:
                return field.parent.name
            else:
                if field.bare is not None:
                    value = field.bare(source)
                else:
                    arguments = field.arguments
                    if arguments is None:
                        first = field.details[0]
                        arguments = get_argument_values(
                            field.definition,
                            first.node,
                            self.variable_values,
                            first.fragment_variable_values,
                            self.hide_suggestions,
                        )
                    value = field.resolve(source, self.info_for(field, path), **arguments)
                if type(value) is CoroutineType:
                    # Run at once up to its first wait: a resolver whose loads are in
                    # already answers here, without a task and a turn of the event loop.
                    # In a context of its own, as in a task: what it sets (pymongo's
                    # timeouts) is reset where it was set.
                    context = copy_context()
                    try:
                        waits_for = context.run(value.send, None)
                    except StopIteration as answered:
                        value = answered.value
                    except Exception as error:
                        # Counted when a task would have run it, as in graphql-core: a
                        # non-null field's error then leaves its siblings the same time
                        # to fail as there, so the answers hold the same errors.
                        return self.settled(_raised(error), None, field, path, parent_path)
                    else:
                        rest = _resumed(value, waits_for, context)
                        return self.settled(rest, field.complete, field, path, parent_path)
                elif self.is_awaitable(value):
                    return self.settled(value, field.complete, field, path, parent_path)
            if isinstance(value, Exception):
                raise value
            completed = field.complete.complete(self, value, field, path)
            if type(completed) is CoroutineType:  # only plans' own completions are awaitable
                return self.settled(completed, None, field, path, parent_path)
            return completed
        except Exception as raw:
            self.field_error(raw, field, parent_path, path)
            return None

    async def settled(
        self,
        awaitable: Awaitable[Any],
        complete: _Completion | None,
        field: _Field,
        path: Path | None,
        parent_path: Path | None = None,
        items: _List | None = None,
    ) -> Any:
        """An awaited value, completed by `complete` (None: it already is). An error
        nulls the field, or the list item when `items` is given, as graphql-core does."""
        try:
            value = await awaitable
            if complete is None:
                return value
            if isinstance(value, Exception):
                raise value
            completed = complete.complete(self, value, field, path)
            if type(completed) is CoroutineType:
                completed = await completed
            return completed
        except Exception as raw:
            if items is None:
                self.field_error(raw, field, parent_path, path)
            else:
                assert path is not None
                self.item_error(items, raw, field, path)
            return None

    def info_for(self, field: _Field, path: Path | None) -> GraphQLResolveInfo[Any]:
        assert path is not None
        return self.build_resolve_info(field.definition, field.nodes, field.parent, path)

    def field_error(
        self, raw: Exception, field: _Field, parent_path: Path | None, path: Path | None
    ) -> None:
        path = path or Path(parent_path, field.key, field.parent.name)
        error = located_error(raw, field.nodes, path.as_list())
        if self.error_propagation and field.non_null:
            raise error
        self.collected_errors.add(error, path)

    def item_error(self, items: _List, raw: Exception, field: _Field, path: Path) -> None:
        error = located_error(raw, field.nodes, path.as_list())
        if self.error_propagation and items.item_non_null:
            raise error
        self.collected_errors.add(error, path)


def _resumed(
    coroutine: CoroutineType[Any, Any, Any], waits_for: Any, context: Context
) -> Awaitable[Any]:
    """The rest of a coroutine run (in `context`) up to its first wait, which yielded
    `waits_for`: what an eager task (`asyncio.eager_task_factory`) does, without a task
    per field.

    An awaited future marks itself as awaited when it is yielded, and the task it goes
    to takes the mark off; until then, awaiting it again is an error. Resolvers run
    one after the other may wait on one future (the viewer's lookup), so the mark is
    taken off here at once, as an eager task does, and put back when the future goes
    to the task awaiting the rest. Every step runs in `context`, as a task's do."""
    blocking = getattr(waits_for, "_asyncio_future_blocking", False)
    if blocking:
        waits_for._asyncio_future_blocking = False
    return _rest(coroutine, waits_for, blocking, context)


@types.coroutine
def _rest(
    coroutine: CoroutineType[Any, Any, Any], waits_for: Any, blocking: bool, context: Context
) -> Generator[Any, Any, Any]:
    if blocking:
        waits_for._asyncio_future_blocking = True
    step: Callable[[Any], Any]
    while True:
        try:
            sent = yield waits_for
        except GeneratorExit:
            context.run(coroutine.close)
            raise
        except BaseException as error:  # a cancellation, or an error thrown in by the task
            step, argument = coroutine.throw, error
        else:
            step, argument = coroutine.send, sent
        try:
            waits_for = context.run(step, argument)
        except StopIteration as answered:
            return answered.value


async def _raised(error: Exception) -> Any:
    raise error


async def _gathered_object(results: dict[str, Any], pending: list[str]) -> dict[str, Any]:
    if len(pending) == 1:
        results[pending[0]] = await results[pending[0]]
    else:
        done = await gather_with_cancel(*(results[key] for key in pending))
        results.update(zip(pending, done, strict=True))
    return results


def executor_class(*, planned: bool, hide_suggestions: bool) -> type[Any]:
    """The executor of one schema: its own plans, or graphql-core's plain executor when
    plans are off or the installed graphql-core or strawberry is not the tested release
    (`versions.py`); variable coercion without "Did you mean …" (enum values, input
    fields) when suggestions are hidden."""
    base: type[StrawberryGraphQLCoreExecutionContext] = StrawberryGraphQLCoreExecutionContext
    if planned and tested_versions_installed():
        base = PlannedExecutor

    class Executor(base):  # type: ignore[valid-type,misc]
        if base is PlannedExecutor:
            plans = Plans()

        @classmethod
        def build(cls, *args: Any, **kwargs: Any) -> Any:
            return super().build(*args, **{**kwargs, "hide_suggestions": hide_suggestions})

    return Executor
