"""One JSON object per log line, so logs can be searched; no personal data is passed in.

Everything the process logs goes through here: Sannong's loggers, strawberry's and
uvicorn's (`sannong serve` passes `uvicorn_log_config()`). An exception is logged by
its type and where it was raised, never by its message: a driver's message can
quote a phone number (a duplicate key), a GraphQL error's text quotes the query.
"""

import logging
import sys
import traceback
from typing import Any

import orjson

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# Loggers of libraries that would otherwise print plain multi-line text.
_LIBRARIES = ("strawberry",)


def failure(error: BaseException) -> dict[str, Any]:
    """What went wrong where, without the message: the exception's type and the last
    frames of its traceback, e.g. {"type": "TypeError", "at": ["sannong/x.py:12 f", ...]}."""
    frames = traceback.extract_tb(error.__traceback__)[-8:]
    return {
        "type": type(error).__qualname__,
        "at": [f"{_short(frame.filename)}:{frame.lineno} {frame.name}" for frame in frames],
    }


def _short(path: str) -> str:
    for marker in ("/site-packages/", "/sannong/"):
        if marker in path:
            head = "sannong/" if marker == "/sannong/" else ""
            return head + path.rsplit(marker, 1)[1]
    return path


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry |= {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if record.exc_info and record.exc_info[1] is not None:
            entry["exception"] = failure(record.exc_info[1])
        return orjson.dumps(entry, default=str).decode()


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler this module installs; replaced, not added again, by the next call."""


def configure_logging(level: int | str = logging.INFO) -> None:
    handler = _Stderr(sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name in ("sannong", *_LIBRARIES):
        logger = logging.getLogger(name)
        others = [h for h in logger.handlers if not isinstance(h, _Stderr)]
        logger.handlers[:] = [*others, handler]
        logger.setLevel(level if name == "sannong" else logging.WARNING)
        logger.propagate = False


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own lines (start, stop, errors outside the app) as JSON; no access log,
    the app writes one line per request itself."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["json"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
