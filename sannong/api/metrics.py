"""Prometheus metrics of the HTTP layer (database commands are counted in `db.client`)."""

from prometheus_client import Counter, Histogram

REQUESTS = Counter("sannong_http_requests_total", "HTTP requests", ["path", "method", "status"])
LATENCY = Histogram(
    "sannong_http_request_seconds",
    "HTTP request latency",
    ["path"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
GRAPHQL_ERRORS = Counter("sannong_graphql_errors_total", "GraphQL errors by code", ["code"])
DOCUMENTS = Counter(
    "sannong_graphql_documents_total",
    "GraphQL documents parsed or validated (a cached document is neither)",
    ["work"],
)
