"""How queries run: where the API steps past strawberry's and graphql-core's public API.

Everything here exists for CPU per request, and each piece reaches into a library's
internals, so each piece is checked against the releases it was tested with
(`versions.py`) and stands down on any other:

- `fast_fields.py`: strawberry wraps every field's resolver for the general case (field
  extensions, exception handlers, argument conversion, signature inspection); fields
  that use none of it get a direct resolver. Reads strawberry's schema converter, field
  and resolver objects.
- `plans.py`: graphql-core's executor repeats its per-field bookkeeping (collecting
  selections, field lookups, resolve infos, paths, type checks) for every object of
  every request; a query runs from a plan made once per operation, and a resolver's
  coroutine runs at once up to its first wait, so one whose loads are in already
  answers without a task (domain code just awaits). Subclasses
  strawberry's execution context and graphql-core's `Executor`, calls its
  `collect_fields`, `collect_subfields` and `get_argument_values`.
- `names.py`: strawberry converts argument names to camel case on every call; they are
  converted once (through strawberry's public `NameConverter`: no version check).

What the API saves with them, and the smaller alternatives that were measured and left
out: README, "Performance"; `bench/profile_home.py` prints the figures side by side.
"""

from sannong.api.execution.fast_fields import streamline
from sannong.api.execution.names import RememberedNames
from sannong.api.execution.plans import executor_class
from sannong.api.execution.versions import TESTED_VERSIONS

__all__ = ["TESTED_VERSIONS", "RememberedNames", "executor_class", "streamline"]
