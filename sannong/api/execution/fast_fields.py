"""Cheaper field resolution for the fields strawberry wraps generically.

Strawberry gives every field a resolver built for the general case: field extensions
(middleware around the resolver), exception handlers, arguments converted and
re-keyed, `info` and the parent found by inspecting the resolver's signature, and an
extra coroutine around every async resolver. Our types use none of that on reads: field
extensions only wrap mutations (`RuleErrorsAsPayload`), no exception handlers are
configured. A Home request resolves ~130 fields, so the generic wrapper was a large
share of the API's CPU (bench/profile_home.py).

After the schema is built, `streamline` replaces the resolver of each field that uses
none of those features with one that does the same work directly:

- a plain attribute (no resolver): `getattr(source, python_name)`, as strawberry's
  default resolver does;
- a resolver method: called with the parent / `info` / converted arguments where its
  signature asks for them; an async resolver's coroutine goes to graphql-core as it
  is, which awaits it.

A field with field extensions (permissions are one), with an exception handler for its
type, or a subscription keeps strawberry's resolver untouched; so does every field on a
strawberry or graphql-core release other than the tested one (`versions.py`).
"""

from collections.abc import Callable
from typing import Any
from weakref import WeakKeyDictionary

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry import relay
from strawberry.scalars import is_scalar
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_argument
from strawberry.types.base import StrawberryList, StrawberryMaybe, StrawberryOptional
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.field import StrawberryField
from strawberry.types.lazy_type import LazyType

from sannong.api.execution.versions import tested_versions_installed

type Resolve = Callable[..., Any]

# What an execution plan (`plans.py`) may do instead of calling a direct resolver: read
# the attribute it reads, or call its function with the parent alone.
# Weak keys: a schema built and dropped (tests build many) takes its entries with it.
_READS: WeakKeyDictionary[Resolve, str] = WeakKeyDictionary()
_BARE: WeakKeyDictionary[Resolve, Callable[[Any], Any]] = WeakKeyDictionary()


def attribute_of(resolve: Resolve) -> str | None:
    """The attribute `resolve` reads, if it is one of the plain attribute resolvers here."""
    return _READS.get(resolve)


def bare_of(resolve: Resolve) -> Callable[[Any], Any] | None:
    """`resolve` as a call with the parent alone, when its function takes neither
    arguments nor `info` (no resolve info needs to be made for it)."""
    return _BARE.get(resolve)


def streamline(schema: strawberry.Schema) -> int:
    """Replaces the generic resolvers of `schema` where it is safe; returns how many."""
    if not tested_versions_installed():
        return 0  # strawberry's internals below may have changed
    if schema.schema_converter._exception_handler_specs:
        return 0  # handlers apply per field type: keep strawberry's resolvers everywhere
    replaced = 0
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        if graphql_type is schema._schema.subscription_type:
            continue
        for graphql_field in graphql_type.fields.values():
            field = (graphql_field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if not isinstance(field, StrawberryField) or field.extensions or field.is_subscription:
                continue
            resolve = _direct(schema, field)
            if resolve is not None:
                graphql_field.resolve = resolve
                replaced += 1
    return replaced


def _direct(schema: strawberry.Schema, field: StrawberryField) -> Resolve | None:
    resolver = field.base_resolver
    if resolver is None:
        if schema.config.default_resolver is not getattr:
            return None
        name = field.python_name

        def attribute(source: Any, info: GraphQLResolveInfo[Any], **_: Any) -> Any:
            return getattr(source, name)

        _READS[attribute] = name
        return attribute
    function = resolver.wrapped_func
    if not callable(function):
        return None  # strawberry raises its own error for these: let it
    info_class = schema.config.info_class
    self_parameter = resolver.self_parameter is not None
    parent = [p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p]
    info_name = resolver.info_parameter.name if resolver.info_parameter else None
    arguments = field.arguments
    registry = schema.schema_converter.scalar_registry
    config = schema.config
    # Per argument: its names, its type, and whether its value is already the Python
    # value (a scalar or an enum: graphql-core parsed it), so strawberry's conversion,
    # a chain of type checks per value, runs only for the others.
    converted = [
        (a.python_name, config.name_converter.from_argument(a), a.type, _ready(a.type, registry))
        for a in arguments
    ]

    def call(source: Any, info: GraphQLResolveInfo[Any], **raw: Any) -> Any:
        strawberry_info = info_class(_raw_info=info, _field=field)
        kwargs: dict[str, Any] = {}
        for python_name, name, type_, ready in converted:
            if name in raw:
                value = raw[name]
                kwargs[python_name] = (
                    value
                    if ready
                    else convert_argument(
                        value, type_, registry, config, strawberry_info, path=(name,)
                    )
                )
        for name in parent:
            kwargs[name] = source
        if info_name is not None:
            kwargs[info_name] = strawberry_info
        return function(source, **kwargs) if self_parameter else function(**kwargs)

    if not arguments and info_name is None:
        _BARE[call] = _with_parent_only(function, self_parameter, parent)
    return call


def _ready(type_: Any, registry: Any) -> bool:
    """Whether an argument's value needs no conversion: a scalar other than `GlobalID`
    or an enum, optional or not (`convert_argument` returns those as they come)."""
    if isinstance(type_, StrawberryMaybe):
        return False
    if isinstance(type_, StrawberryOptional):
        type_ = type_.of_type
    if type_ is relay.GlobalID or isinstance(type_, StrawberryList | LazyType):
        return False
    return bool(
        has_enum_definition(type_)
        or isinstance(type_, StrawberryEnumDefinition)
        or is_scalar(type_, registry)
    )


def _with_parent_only(
    function: Callable[..., Any], self_parameter: bool, parent: list[str]
) -> Callable[[Any], Any]:
    if self_parameter and not parent:
        return function  # a method of the type: the commonest

    def bare(source: Any) -> Any:
        kwargs = dict.fromkeys(parent, source)
        return function(source, **kwargs) if self_parameter else function(**kwargs)

    return bare
