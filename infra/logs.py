"""Logging, configured in one place.

Readable console lines in a terminal, JSON lines otherwise. The standard-library
loggers of kafka-python, psycopg and eventsourcing go through the same
formatter, so a process emits one stream. Tracebacks are rendered without local
variables: locals may hold personal data of adolescents or visitors.
"""

from __future__ import annotations

import logging
import sys

import structlog

_configured = False
_component: str | None = None


def _add_component(logger, method, event_dict):
    # Process-wide, so lines from the clients' own threads carry it too (contextvars would not).
    if _component:
        event_dict.setdefault("component", _component)
    return event_dict


def configure(fmt: str = "auto", level: str = "INFO", stream=None, component: str | None = None) -> None:
    """Configure structlog and stdlib logging. Safe to call more than once.

    `component` is bound for the whole process, so library log lines carry it too.
    """
    global _configured, _component
    if component:
        _component = component
    stream = stream or sys.stderr
    if fmt == "auto":
        fmt = "console" if stream.isatty() else "json"
    shared = [
        structlog.contextvars.merge_contextvars,
        _add_component,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if fmt == "json":
        renderer = structlog.processors.JSONRenderer()
        exc = [
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            )
        ]
    else:
        renderer = structlog.dev.ConsoleRenderer(
            exception_formatter=structlog.dev.plain_traceback, colors=stream.isatty()
        )
        exc = []
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *exc, renderer],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # The clients are chatty at INFO; their warnings and errors still come through.
    for noisy in ("kafka", "psycopg", "eventsourcing"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # kafka-python logs every failed reconnect as an error, several times a second while a broker
    # is away; our components log the outage once per retry with what they are waiting for.
    for chatty in ("kafka.net", "kafka.cluster", "kafka.conn", "kafka.client", "kafka.producer.sender",
                   "kafka.coordinator.consumer"):
        logging.getLogger(chatty).setLevel(logging.CRITICAL)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    _configured = True


def get_logger(component: str, **context):
    """A logger bound to its component name (every line of a long-running process carries it)."""
    return structlog.get_logger(component).bind(component=component, **context)
