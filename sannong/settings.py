"""Every knob of the service, read from `SANNONG_*` environment variables."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class IceServer(BaseModel):
    """One entry of WebRTC's `iceServers`: a STUN or TURN server the two parties use."""

    urls: list[str]
    username: str | None = None
    credential: str | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SANNONG_", env_file=".env", extra="ignore")

    debug: bool = Field(False, description="GraphiQL, introspection, suggestions, raw errors")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="INFO writes one line per request; WARNING only trouble"
    )
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    forwarded_allow_ips: str = Field(
        "", description="proxies whose X-Forwarded-For is believed (comma-separated); none"
    )
    secret_key: SecretStr | None = Field(
        None, description="signs pagination cursors; unset: made once in data_dir/secret_key"
    )
    metrics_token: SecretStr | None = Field(
        None, description="bearer token that may read /metrics; unset: /metrics is not served"
    )
    metrics_port: int | None = Field(None, description="also serve metrics on 127.0.0.1:PORT")

    mongodb_uri: str | None = Field(None, description="unset: start the embedded server")
    database: str = "sannong"
    data_dir: Path = Path("var")
    embedded_port: int = Field(27018, description="loopback port of the embedded server")
    db_timeout_ms: int = Field(
        2000, description="time a request's database operation may take, all included"
    )

    ready_stale_seconds: float = Field(
        30.0, description="/readyz reports the database down after this long without an answer"
    )

    token_ttl_hours: int = 24 * 30
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 64 * 1024
    argon2_parallelism: int = 2

    login_window_seconds: int = 15 * 60
    login_max_failures_per_phone: int = 5
    login_max_attempts_per_address: int = 30
    register_max_per_address: int = Field(20, description="new accounts per address per window")

    graphql_in_flight_per_client: int = Field(
        8, description="GraphQL requests one client address has in flight per process"
    )
    graphql_per_second_per_client: float = Field(
        20.0, description="GraphQL requests per second one client address may keep up"
    )
    graphql_burst_per_client: int = Field(60, description="requests above that rate at once")

    max_body_bytes: int = 1024 * 1024
    max_upload_bytes: int = Field(
        32 * 1024 * 1024, description="body cap of multipart (photo upload) requests only"
    )
    photo_max_bytes: int = 5 * 1024 * 1024
    photos_per_listing: int = 6
    max_open_orders_per_buyer: int = Field(20, description="pending + accepted orders")
    media_cache_seconds: int = 365 * 24 * 3600
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 4000
    max_cost: int = 5000
    max_fields: int = Field(1000, description="fields of a document, fragments expanded")
    execution_plans: bool = Field(
        True, description="run queries from cached plans (api/execution); false: graphql-core"
    )

    trusted_documents: Path | None = Field(None, description="JSON manifest of trusted documents")
    trusted_documents_only: bool = Field(False, description="refuse ad-hoc query text")
    app_dir: Path = Field(
        Path("frontend/dist"), description="the built app, served at /; missing: not served"
    )

    ws_connections_per_address: int = Field(
        200, description="WebSockets one address holds open per process (villages share one)"
    )
    ws_connections_per_token: int = Field(8, description="WebSockets one token holds open")
    ws_operations_per_connection: int = Field(
        50, description="subscriptions and operations in flight on one WebSocket"
    )

    event_poll_ms: int = Field(
        200, description="polling interval of the event feed where change streams are refused"
    )
    event_gap_grace_seconds: float = Field(
        10.0, description="how long an event number allocated but not yet visible is waited for"
    )

    jobs_enabled: bool = Field(True, description="this process runs due jobs (reminders, SMS)")
    jobs_poll_seconds: float = Field(2.0, description="how often an idle job worker looks")
    jobs_db_timeout_ms: int = Field(
        30_000,
        description="time a job's database operation may take: a job waits out a busy machine",
    )
    jobs_lease_seconds: float = Field(
        15.0, description="a dead worker's job is taken over this long after its last heartbeat"
    )

    ice_servers: list[IceServer] = Field(
        default_factory=list,
        description='JSON list, e.g. [{"urls": ["turn:turn.example.cn:3478"], "username": "u", '
        '"credential": "p"}]; production points it at a TURN server such as coturn',
    )
    video_base_url: str | None = Field(
        None, description="a video service: each consultation gets a room link under it"
    )
    call_signals_per_window: int = Field(
        60, description="signals one party of a call sends per 10 s (setup takes some dozens)"
    )
    call_opens_minutes: int = Field(10, description="the call may start this early")
    farmer_cancel_hours: int = Field(2, description="a farmer cancels until this long before")
    max_upcoming_consultations: int = Field(3, description="booked, not yet started, per farmer")
    photos_per_question: int = 6
    photos_per_booking: int = 3

    sms_gateway_url: str | None = Field(None, description="unset: SMS goes to the outbox")
    sms_gateway_token: str | None = None
    sms_timeout_seconds: float = 5.0
    sms_retries: int = 2

    similar_feedback_per_minute: int = Field(
        30, description="similar-ticket look-ups per person per minute (asked while typing)"
    )

    notice_attachment_max_bytes: int = 10 * 1024 * 1024
    notice_attachments: int = Field(5, description="attachments per notice")
    fanout_batch: int = Field(50, description="residents per job of an SMS / alert fan-out")
    fanout_per_minute: int = Field(600, description="SMS a fan-out sends per minute at most")
    fanout_concurrency: int = Field(5, description="SMS of a fan-out in flight at once")


@lru_cache
def get_settings() -> Settings:
    return Settings()
