"""The library releases the execution code was tested with, and the check against them.

`plans.py` and `fast_fields.py` use methods and attributes that graphql-core and
strawberry call internal: a release may change them without notice, and the symptom
would be wrong answers, not an error. So they engage only on exactly these releases
(`tests/test_execution_versions.py` and `tests/test_plans.py` ran on them); on any
other the schema runs graphql-core's plain executor with strawberry's own resolvers,
and the log says so once per process.

Raising a release: install it, run `make test` (the differential test of the plans runs
every role's generated documents both ways) and `make bench`, then change the number
here.
"""

import logging
from collections.abc import Mapping
from importlib.metadata import version

log = logging.getLogger("sannong.execution")

TESTED_VERSIONS: Mapping[str, str] = {"graphql-core": "3.3.2", "strawberry-graphql": "0.341.3"}

_warned: set[tuple[tuple[str, str], ...]] = set()


def installed_versions() -> dict[str, str]:
    """The installed release of each library in `TESTED_VERSIONS`."""
    return {name: version(name) for name in TESTED_VERSIONS}


def tested_versions_installed() -> bool:
    """Whether the installed releases are the tested ones; if not, one WARNING line per
    process and set of releases (the app and the tests build many schemas)."""
    untested = {
        name: found
        for name, found in installed_versions().items()
        if found != TESTED_VERSIONS[name]
    }
    if not untested:
        return True
    key = tuple(sorted(untested.items()))
    if key not in _warned:
        _warned.add(key)
        log.warning(
            "execution plans and direct resolvers off: tested with %s, installed %s; "
            "running graphql-core's plain executor",
            ", ".join(f"{name} {TESTED_VERSIONS[name]}" for name, _ in key),
            ", ".join(f"{name} {found}" for name, found in key),
        )
    return False
