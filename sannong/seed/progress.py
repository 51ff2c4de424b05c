"""What the seed is writing, as it writes it: a bar on a terminal, one log line per step otherwise.

The steps do not know how they are shown. The batch writers report to the step
running in the current task through a context variable:

    with progress.step("价格"):
        await upsert_all(db.prices, documents)   # counts itself into the step

Two counts: the documents a step went through (the bar's progress) and the demo
documents it created or changed (`wrote`, what the step says it wrote). A step
that finds everything in place goes through its documents and writes none, so a
second run says 0. What the rules derive from the demo documents (latest quotes,
reminders, events) is not counted.
"""

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from tqdm import tqdm

log = logging.getLogger("sannong.seed")


class Step(Protocol):
    def expect(self, count: int) -> None:
        """More writes are coming in this step."""

    def advance(self, count: int) -> None:
        """Documents gone through."""

    def wrote(self, count: int) -> None:
        """Documents created or changed."""


class Progress(Protocol):
    def step(self, label: str) -> AbstractContextManager[Step]:
        """The step being written, from start to end."""


_current: ContextVar[Step | None] = ContextVar("seed_step", default=None)


@contextmanager
def reporting_to(step: Step) -> Iterator[Step]:
    """Batch writes inside the block (same task tree) count into `step`."""
    token = _current.set(step)
    try:
        yield step
    finally:
        _current.reset(token)


def expect(count: int) -> None:
    if (step := _current.get()) is not None:
        step.expect(count)


def advance(count: int) -> None:
    if (step := _current.get()) is not None:
        step.advance(count)


def wrote(count: int) -> None:
    if (step := _current.get()) is not None:
        step.wrote(count)


class _Counted:
    def __init__(self) -> None:
        self.expected = self.done = self.written = 0

    def expect(self, count: int) -> None:
        self.expected += count

    def advance(self, count: int) -> None:
        self.done += count

    def wrote(self, count: int) -> None:
        self.written += count


class LogProgress:
    """One line per finished step: what, how many documents written, how long."""

    @contextmanager
    def step(self, label: str) -> Iterator[Step]:
        counted = _Counted()
        started = time.perf_counter()
        with reporting_to(counted):
            yield counted
        log.info(
            "seed step done",
            extra={
                "step": label,
                "writes": counted.written,
                "seconds": round(time.perf_counter() - started, 2),
            },
        )


class _Bar:
    """A tqdm bar, opened by the first batch: steps without batches get one line."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: tqdm[Any] | None = None
        self.written = 0

    def expect(self, count: int) -> None:
        if self.bar is None:
            # the bar gives way to the line saying what was written
            self.bar = tqdm(desc=self.label, total=0, unit="条", dynamic_ncols=True, leave=False)
        bar = self.bar
        bar.total = (bar.total or 0) + count
        bar.refresh()

    def advance(self, count: int) -> None:
        if self.bar is not None:
            self.bar.update(count)

    def wrote(self, count: int) -> None:
        self.written += count

    def close(self, seconds: float) -> None:
        if self.bar is not None:
            self.bar.close()
        tqdm.write(f"{self.label}：写入 {self.written} 条 [{seconds:.1f} 秒]", file=sys.stderr)


class TerminalProgress:
    """A tqdm bar per step on stderr (documents gone through of expected, rate), then a
    line with the documents written."""

    @contextmanager
    def step(self, label: str) -> Iterator[Step]:
        bar = _Bar(label)
        started = time.perf_counter()
        try:
            with reporting_to(bar):
                yield bar
        finally:
            bar.close(time.perf_counter() - started)
