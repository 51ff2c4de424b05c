"""The locks pin what pyproject.toml asks for, and pyproject.toml names what the code imports.

`make test` installs requirements/test.txt and `make run` requirements/run.txt, both made from
pyproject.toml by `make lock` with every package pinned and hashed; pyproject's ranges are
never resolved at install time. So a requirement added to pyproject.toml, or a bound raised
there, would change nothing until the locks are made again, and a package the code imports
only because something else happens to pull it in would go the day that something drops it.
These tests read files (and, for imports, the installed packages' names): no network.
"""

import ast
import sys
import tomllib
from dataclasses import dataclass, field
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).parent.parent
PYPROJECT = ROOT / "pyproject.toml"
TEST_LOCK = ROOT / "requirements" / "test.txt"
RUN_LOCK = ROOT / "requirements" / "run.txt"
RELOCK = "run `make lock` (or `make upgrade`) and commit requirements/"

# How uv's annotations name the project itself as the reason for a pin.
PROJECT_PARENT = "sannong (pyproject.toml)"


@dataclass
class Pin:
    version: Version
    hashes: list[str]
    parents: set[str] = field(default_factory=set)


def read_lock(path: Path) -> dict[NormalizedName, Pin]:
    """`name==version ; marker \\`, its `--hash=` lines, then `# via` lines naming the parents."""
    pins: dict[NormalizedName, Pin] = {}
    entry: list[str] = []
    current: Pin | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        assert not line.startswith("-"), f"{path.name} names an index, a link or a path: {line}"
        if entry or (line and not line[0].isspace() and not line.startswith("#")):
            entry.append(stripped.removesuffix("\\").strip())
            if stripped.endswith("\\"):
                continue
            words = " ".join(entry).split()
            entry = []
            hashes = [word.removeprefix("--hash=") for word in words if word.startswith("--hash=")]
            pinned = Requirement(" ".join(word for word in words if not word.startswith("--")))
            specifiers = list(pinned.specifier)
            exact = len(specifiers) == 1 and specifiers[0].operator == "=="
            assert exact, f"{pinned} in {path.name} is not pinned to one release"
            current = Pin(Version(specifiers[0].version), hashes)
            pins[canonicalize_name(pinned.name)] = current
        elif current is not None and stripped.startswith("#"):
            parent = stripped.lstrip("#").strip()
            parent = "" if parent == "via" else parent.removeprefix("via ").strip()
            if parent and not parent.startswith("-c "):  # the test lock, as the run's bound
                current.parents.add(parent)
    return pins


def requirements_of(pyproject: dict[str, Any], extras: set[str]) -> list[Requirement]:
    """The project's requirements where this machine would install them with these extras,
    the installer (pip, setuptools: the `install` group, in both locks) and the build backend,
    which the Makefile takes from the lock too."""
    project = pyproject["project"]
    written = list(project["dependencies"])
    for extra in extras:
        written += project["optional-dependencies"][extra]
    written += pyproject["dependency-groups"]["install"] + pyproject["build-system"]["requires"]
    found = [Requirement(text) for text in written]
    return [req for req in found if req.marker is None or req.marker.evaluate({"extra": ""})]


def lock_disagreements(pyproject: dict[str, Any], lock_path: Path, extras: set[str]) -> list[str]:
    wanted = requirements_of(pyproject, extras)
    pins = read_lock(lock_path)
    problems = []
    for req in wanted:
        pin = pins.get(canonicalize_name(req.name))
        if pin is None:
            problems.append(f"{req} is not pinned in {lock_path.name}")
        elif not req.specifier.contains(pin.version, prereleases=True):
            problems.append(f"{req} is pinned at {pin.version} in {lock_path.name}")
    for name, pin in pins.items():
        if not pin.hashes:
            problems.append(f"{name}=={pin.version} has no hash in {lock_path.name}")
    # A pin is still needed if pyproject asks for it or a needed pin is among its parents.
    needed = {canonicalize_name(req.name) for req in wanted} & pins.keys()
    while grown := {
        name
        for name, pin in pins.items()
        if name not in needed and any(canonicalize_name(p) in needed for p in pin.parents)
    }:
        needed |= grown
    for name in sorted(pins.keys() - needed):
        parents = ", ".join(sorted(pins[name].parents)) or "nothing"
        problems.append(f"{name} is pinned in {lock_path.name} for {parents}, no longer asked for")
    return [f"{problem}: {RELOCK}" for problem in problems]


def read_pyproject() -> dict[str, Any]:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))


def test_the_test_lock_pins_every_requirement_and_test_extra() -> None:
    assert lock_disagreements(read_pyproject(), TEST_LOCK, extras={"test"}) == []


def test_the_run_lock_pins_every_requirement() -> None:
    assert lock_disagreements(read_pyproject(), RUN_LOCK, extras=set()) == []


def test_the_run_lock_pins_the_versions_the_tests_ran_with() -> None:
    """`make run` installs no release that `make test` did not test."""
    tested = read_lock(TEST_LOCK)
    differs = {
        name: (pin.version, tested[name].version if name in tested else None)
        for name, pin in read_lock(RUN_LOCK).items()
        if name not in tested
        or (pin.version, pin.hashes) != (tested[name].version, tested[name].hashes)
    }
    assert differs == {}, RELOCK


def test_the_test_lock_holds_the_test_tools_and_the_run_lock_does_not() -> None:
    assert {"pytest", "uv", "strawberry-graphql", "pip"} <= read_lock(TEST_LOCK).keys()
    assert "pytest" not in read_lock(RUN_LOCK)
    assert {"strawberry-graphql", "pip", "setuptools"} <= read_lock(RUN_LOCK).keys()


# Each way pyproject.toml and a lock can part, on an edited copy, is reported (beyond what the
# real files report: the tests above say that, once).


def reported_for_copies(
    pyproject: dict[str, Any], lock: Path, extras: set[str], real_lock: Path | None = None
) -> list[str]:
    real = set(lock_disagreements(read_pyproject(), real_lock or lock, extras))
    return [
        problem for problem in lock_disagreements(pyproject, lock, extras) if problem not in real
    ]


def test_a_requirement_added_but_not_locked_is_reported() -> None:
    pyproject = read_pyproject()
    pyproject["project"]["dependencies"].append("example-new-dependency>=1.0")
    assert reported_for_copies(pyproject, RUN_LOCK, extras=set()) == [
        f"example-new-dependency>=1.0 is not pinned in run.txt: {RELOCK}"
    ]


def test_a_bound_the_pinned_release_does_not_satisfy_is_reported() -> None:
    pinned = read_lock(TEST_LOCK)["graphql-core"].version
    pyproject = read_pyproject()
    dependencies = pyproject["project"]["dependencies"]
    dependencies[:] = [r for r in dependencies if not r.startswith("graphql-core")]
    dependencies.append(f"graphql-core>{pinned}")
    assert reported_for_copies(pyproject, TEST_LOCK, extras={"test"}) == [
        f"graphql-core>{pinned} is pinned at {pinned} in test.txt: {RELOCK}"
    ]


def test_the_build_backend_and_the_installer_are_held_to_their_bounds_too() -> None:
    locked = read_lock(RUN_LOCK)
    pyproject = read_pyproject()
    pyproject["build-system"]["requires"] = [f"setuptools>{locked['setuptools'].version}"]
    pyproject["dependency-groups"]["install"] = [f"pip<{locked['pip'].version}", "setuptools"]
    assert reported_for_copies(pyproject, RUN_LOCK, extras=set()) == [
        f"pip<{locked['pip'].version} is pinned at {locked['pip'].version} in run.txt: {RELOCK}",
        f"setuptools>{locked['setuptools'].version} is pinned at "
        f"{locked['setuptools'].version} in run.txt: {RELOCK}",
    ]


def test_a_test_extra_is_asked_of_the_test_lock_only() -> None:
    pyproject = read_pyproject()
    pyproject["project"]["optional-dependencies"]["test"].append("example-new-dependency>=1.0")
    assert reported_for_copies(pyproject, RUN_LOCK, extras=set()) == []
    assert reported_for_copies(pyproject, TEST_LOCK, extras={"test"}) == [
        f"example-new-dependency>=1.0 is not pinned in test.txt: {RELOCK}"
    ]


def test_a_requirement_only_for_another_platform_is_not_asked_for() -> None:
    pyproject = read_pyproject()
    pyproject["project"]["dependencies"].append("pywin32>=300; sys_platform == 'win32'")
    assert reported_for_copies(pyproject, RUN_LOCK, extras=set()) == []


def test_a_requirement_dropped_from_pyproject_is_reported_with_what_only_it_needed() -> None:
    pyproject = read_pyproject()
    dependencies = pyproject["project"]["dependencies"]
    dependencies[:] = [r for r in dependencies if not r.startswith("argon2-cffi")]
    reported = reported_for_copies(pyproject, RUN_LOCK, extras=set())
    assert reported[:2] == [
        f"argon2-cffi is pinned in run.txt for {PROJECT_PARENT}, no longer asked for: {RELOCK}",
        f"argon2-cffi-bindings is pinned in run.txt for argon2-cffi, no longer asked for: {RELOCK}",
    ]


def test_a_pin_without_hashes_is_reported(tmp_path: Path) -> None:
    lines = RUN_LOCK.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index(next(line for line in lines if line.startswith("orjson==")))
    end = start + 1
    while lines[end].lstrip().startswith("--hash="):
        end += 1
    lock = tmp_path / "run.txt"
    lock.write_text("".join([*lines[:start], lines[start].split(" ")[0] + "\n", *lines[end:]]))
    version = read_lock(RUN_LOCK)["orjson"].version
    assert reported_for_copies(read_pyproject(), lock, extras=set(), real_lock=RUN_LOCK) == [
        f"orjson=={version} has no hash in run.txt: {RELOCK}"
    ]


# The imports: every package the code imports is one pyproject.toml asks for by name.

# Imported on request only, and installed by hand then (the docstring of its module says how).
OPTIONAL_IMPORTS = {"pyinstrument": "bench/profile_home.py --pyinstrument"}


def imported_modules(folder: Path) -> dict[str, Path]:
    """Top-level modules imported anywhere under the folder (not relative, not the standard
    library, not the project's own)."""
    found: dict[str, Path] = {}
    for source in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top not in sys.stdlib_module_names and top not in {"sannong", "bench", "tests"}:
                    found.setdefault(top, source.relative_to(folder.parent))
    return found


def undeclared_imports(folder: Path, declared: set[NormalizedName]) -> list[str]:
    distributions = packages_distributions()
    problems = []
    for module, source in sorted(imported_modules(folder).items()):
        providers = {canonicalize_name(name) for name in distributions.get(module, [])}
        if module in OPTIONAL_IMPORTS or providers & declared:
            continue
        providing = ", ".join(sorted(providers)) or "no installed package"
        problems.append(f"{source} imports {module} ({providing}), not in pyproject.toml")
    return problems


def declared_names(extras: set[str]) -> set[NormalizedName]:
    return {canonicalize_name(req.name) for req in requirements_of(read_pyproject(), extras)}


@pytest.mark.parametrize(
    ("folder", "extras"), [("sannong", set()), ("bench", {"test"}), ("tests", {"test"})]
)
def test_every_imported_package_is_declared(folder: str, extras: set[str]) -> None:
    """The app may import only its dependencies; the tests and benchmarks the test extras too."""
    assert undeclared_imports(ROOT / folder, declared_names(extras)) == []


def test_an_import_of_a_package_pulled_in_by_another_is_reported(tmp_path: Path) -> None:
    (tmp_path / "view.py").write_text("from graphql import GraphQLError\n", encoding="utf-8")
    declared = declared_names(set()) - {"graphql-core"}
    assert [line.split(" imports ")[1] for line in undeclared_imports(tmp_path, declared)] == [
        "graphql (graphql-core), not in pyproject.toml"
    ]
