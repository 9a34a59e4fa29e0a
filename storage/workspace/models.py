"""The workspace schema: SQLAlchemy 2 typed models.

Changes to this file go with an Alembic migration in `migrations/versions/`.
Text columns hold prompt text byte-exact; nothing here trims or normalises.
The file is over 500 lines because it is the whole schema in one place: a table per class, read
side by side with the migrations; splitting it by table would scatter the foreign keys.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """SQLite forgets time zones: store UTC, hand back aware datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class _CallUsage:
    """What one model call used, stored alike by a run's result and a logged call (None where
    unknown). SQLAlchemy lists these after a table's own columns; the migrations make the tables."""

    latency_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    tokens_in: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tokens_out: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cost: Mapped[float | None] = mapped_column(Float, nullable=True)


class Folder(Base):
    """An explicit folder, so that empty folders survive. Prompts name their folder by path."""

    __tablename__ = "folders"
    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Prompt(Base):
    __tablename__ = "prompts"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Full path with folders: "support/summarize-call". A deleted prompt's name moves out of the
    # way to "@deleted/<id>/<name>" ('@' is never in a live name) so that the name can be reused;
    # `deleted_name` keeps what it was, for undelete.
    name: Mapped[str] = mapped_column(String, unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The version a restore made current; None means "the newest saved version".
    head_pk: Mapped[int | None] = mapped_column(
        ForeignKey("versions.pk", ondelete="SET NULL", use_alter=True), nullable=True
    )
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deleted_name: Mapped[str | None] = mapped_column(String, nullable=True)

    versions: Mapped[list[Version]] = relationship(
        back_populates="prompt", order_by="Version.created_at", cascade="all, delete-orphan",
        foreign_keys="Version.prompt_id",
    )

    @property
    def folder(self) -> str:
        return self.name.rpartition("/")[0]


class Version(Base):
    """An immutable prompt version. `version_id` is the sha256 of its canonical content."""

    __tablename__ = "versions"
    __table_args__ = (
        UniqueConstraint("prompt_id", "version_id"),
        Index("ix_versions_prompt_created", "prompt_id", "created_at"),
        Index("ix_versions_version_id", "version_id"),
        Index("ix_versions_created_prompt", "created_at", "prompt_id"),  # search walks newest first
    )
    pk: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[int] = mapped_column(ForeignKey("prompts.id", ondelete="CASCADE"))
    version_id: Mapped[str] = mapped_column(String(64))
    # The canonical serialisation, exactly the bytes that were hashed (UTF-8 text).
    content: Mapped[str] = mapped_column(Text)
    parent_pk: Mapped[int | None] = mapped_column(
        ForeignKey("versions.pk", ondelete="SET NULL"), nullable=True
    )
    author: Mapped[str] = mapped_column(String, default="")
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    prompt: Mapped[Prompt] = relationship(back_populates="versions", foreign_keys=[prompt_id])
    parent: Mapped[Version | None] = relationship(remote_side=[pk])


class PromptEvent(Base):
    """Something that happened to a prompt besides a save: restore, rename, delete, undelete.

    Shown in the history panel between versions. `detail` is JSON text with version ids and
    names (never pks), so that it survives export and import.
    """

    __tablename__ = "prompt_events"
    __table_args__ = (Index("ix_prompt_events_prompt_created", "prompt_id", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[int] = mapped_column(ForeignKey("prompts.id", ondelete="CASCADE"))
    # "restored", "renamed", "deleted", "undeleted"
    kind: Mapped[str] = mapped_column(String)
    version_pk: Mapped[int | None] = mapped_column(
        ForeignKey("versions.pk", ondelete="SET NULL"), nullable=True
    )
    detail: Mapped[str] = mapped_column(Text, default="{}")
    author: Mapped[str] = mapped_column(String, default="")
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Draft(Base):
    """The mutable working copy behind an editor tab; autosaved, restored after a crash."""

    __tablename__ = "drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[int | None] = mapped_column(
        ForeignKey("prompts.id", ondelete="SET NULL"), nullable=True
    )
    base_version_pk: Mapped[int | None] = mapped_column(
        ForeignKey("versions.pk", ondelete="SET NULL"), nullable=True
    )
    title: Mapped[str] = mapped_column(String, default="")
    # Editor state as JSON text: content being edited, variable values, columns, conversation.
    state: Mapped[str] = mapped_column(Text, default="{}")
    is_open: Mapped[bool] = mapped_column(default=True)
    tab_position: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Provider(Base):
    """A model endpoint. Non-secret settings only: keys live in the OS keychain."""

    __tablename__ = "providers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String, unique=True)
    model: Mapped[str] = mapped_column(String)  # litellm model id, e.g. "openai/gpt-4o-mini"
    base_url: Mapped[str | None] = mapped_column(String, nullable=True)
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    # Where the key comes from: "keychain", "env" (api_key_env names the variable) or "none".
    key_source: Mapped[str] = mapped_column(String, default="none")
    api_key_env: Mapped[str | None] = mapped_column(String, nullable=True)
    max_concurrency: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TestSet(Base):
    __tablename__ = "test_sets"
    __test__ = False  # not a pytest class
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String, unique=True)
    prompt_id: Mapped[int | None] = mapped_column(
        ForeignKey("prompts.id", ondelete="SET NULL"), nullable=True
    )
    description: Mapped[str] = mapped_column(Text, default="")
    # The gate: a run below this mean score is marked failed.
    min_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Evaluator specs the set carries by default.
    evaluators: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cases: Mapped[list[TestCase]] = relationship(
        back_populates="test_set", order_by="TestCase.position", cascade="all, delete-orphan"
    )


class TestCase(Base):
    __tablename__ = "test_cases"
    __test__ = False
    __table_args__ = (Index("ix_test_cases_set_position", "test_set_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    test_set_id: Mapped[int] = mapped_column(ForeignKey("test_sets.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    variables: Mapped[dict] = mapped_column(JSON, default=dict)
    expected: Mapped[str | None] = mapped_column(Text, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list] = mapped_column(JSON, default=list)

    test_set: Mapped[TestSet] = relationship(back_populates="cases")


class Run(Base):
    """Versions x models x test-set rows. Results are committed as they arrive."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    test_set_id: Mapped[int | None] = mapped_column(
        ForeignKey("test_sets.id", ondelete="SET NULL"), nullable=True
    )
    test_set_hash: Mapped[str] = mapped_column(String(64), default="")
    # "running", "finished", "cancelled", "interrupted", "failed"
    status: Mapped[str] = mapped_column(String, default="running")
    # Versions (pks), providers (names), evaluator specs, concurrency...
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    mean_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    gate_passed: Mapped[bool | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    results: Mapped[list[Result]] = relationship(
        back_populates="run", cascade="all, delete-orphan"
    )


class Result(_CallUsage, Base):
    __tablename__ = "results"
    __table_args__ = (
        UniqueConstraint("run_id", "case_id", "version_pk", "provider"),
        Index("ix_results_run", "run_id"),
        # A version's latest score for the history panel, answered from the index alone.
        Index("ix_results_version_pk", "version_pk", "run_id", "score"),
        # The run grid loads results by row range (and resume finds missing cells) ...
        Index("ix_results_run_row", "run_id", "row", "version_pk", "provider"),
        # ... and column totals read this covering index only, percentiles by seeking in it.
        Index("ix_results_run_column", "run_id", "version_pk", "provider", "error_kind",
              "cached", "latency_ms", "passed", "score", "cost", "tokens_in", "tokens_out"),
        # Sorting the grid by one column's score reads this index in order (0009_grid) ...
        Index("ix_results_run_column_score", "run_id", "version_pk", "provider", "score", "row"),
        # ... and the "Failures" filter reads only the failed and errored results.
        Index("ix_results_run_failures", "run_id", "row",
              sqlite_where=text("passed = 0 OR error_kind IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("test_cases.id", ondelete="SET NULL"), nullable=True
    )
    version_pk: Mapped[int | None] = mapped_column(
        ForeignKey("versions.pk", ondelete="SET NULL"), nullable=True
    )
    provider: Mapped[str] = mapped_column(String)
    model: Mapped[str] = mapped_column(String, default="")
    output: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_kind: Mapped[str | None] = mapped_column(String, nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    # tokens_in, tokens_out, cost, latency_ms: _CallUsage
    ttft_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    finish_reason: Mapped[str | None] = mapped_column(String, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    passed: Mapped[bool | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The case's row in the run (its index in settings["case_ids"]): the grid's row number.
    row: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Answered from the response cache: nothing was paid, latency is the original call's.
    cached: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Calls made for this cell, retries included (0 when cached or refused before calling).
    attempts: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    run: Mapped[Run] = relationship(back_populates="results")
    scores: Mapped[list[Score]] = relationship(
        back_populates="result", cascade="all, delete-orphan"
    )


class Score(Base):
    __tablename__ = "scores"
    __table_args__ = (Index("ix_scores_result", "result_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id", ondelete="CASCADE"))
    evaluator: Mapped[str] = mapped_column(String)
    # "auto", "judge" or "human"
    kind: Mapped[str] = mapped_column(String, default="auto")
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    passed: Mapped[bool | None] = mapped_column(nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The evaluator's share of the case score, kept so stored scores can be combined again.
    weight: Mapped[float] = mapped_column(Float, default=1.0, server_default="1.0")
    # Evaluator-specific facts (judge reply, tokenizer, a human's thumb and comment) as JSON.
    details: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    # Who gave a human rating (kind="human"); one rating per rater and result.
    rater: Mapped[str] = mapped_column(String, default="", server_default="")

    result: Mapped[Result] = relationship(back_populates="scores")


class RunBatch(Base):
    """A provider batch (OpenAI Batch, Anthropic Message Batches) that a run's cells were sent
    as. Kept from submission on, so that a closed app or machine collects the results later."""

    __tablename__ = "run_batches"
    __table_args__ = (Index("ix_run_batches_run", "run_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String)  # the run's provider name
    api: Mapped[str] = mapped_column(String)  # "openai" or "anthropic"
    batch_id: Mapped[str] = mapped_column(String)  # the provider's id for it
    input_file_id: Mapped[str | None] = mapped_column(String, nullable=True)
    # "submitted", "in_progress", "completed", "failed", "expired", "cancelled", or "collected"
    # once its results are stored
    status: Mapped[str] = mapped_column(String)
    cells: Mapped[list] = mapped_column(JSON, default=list)  # [[row, version_pk], ...]
    total: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ResponseCache(Base):
    """Model answers keyed by the sha256 of the exact request (model, base URL, messages,
    parameters; never the key), so an identical call is not paid twice. See runner/cache.py."""

    __tablename__ = "response_cache"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    model: Mapped[str] = mapped_column(String, default="")
    # {"text", "tokens_in", "tokens_out", "cost", "latency_s", "ttft_s", "finish_reason", "model"}
    response: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Preference(Base):
    """A blind A/B choice between two results of the same case, unblinded when stored."""

    __tablename__ = "preferences"
    __table_args__ = (Index("ix_preferences_run", "run_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("test_cases.id", ondelete="SET NULL"), nullable=True
    )
    result_a_id: Mapped[int] = mapped_column(ForeignKey("results.id", ondelete="CASCADE"))
    result_b_id: Mapped[int] = mapped_column(ForeignKey("results.id", ondelete="CASCADE"))
    a_on_left: Mapped[bool] = mapped_column()
    # As seen: "left", "right", "tie", "neither"; unblinded: "a", "b", "tie", "neither".
    choice: Mapped[str] = mapped_column(String)
    winner: Mapped[str] = mapped_column(String)
    rater: Mapped[str] = mapped_column(String, default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Release(Base):
    """A release this workspace published or pulled: where, which channel, which versions."""

    __tablename__ = "releases"
    __table_args__ = (UniqueConstraint("destination", "project", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project: Mapped[str] = mapped_column(String)
    number: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String)
    destination: Mapped[str] = mapped_column(String)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    # name -> version_id
    prompts: Mapped[dict] = mapped_column(JSON, default=dict)
    author: Mapped[str] = mapped_column(String, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- production logs pulled from the engineers' applications (migration 0004_logs) -------------
# Full-text search lives in FTS5 tables the migration creates (log_calls_fts over the view
# log_calls_text: variable values, output, error; log_feedback_fts over log_feedback), kept in
# step by triggers. Insert many rows in one INSERT ... SELECT (see logs/store.py): FTS5 flushes
# at every statement a trigger runs in. A batch
# migration that rebuilds log_calls or log_feedback must create those triggers again.


class LogSink(Base):
    """Where the applications reading a release repository log their calls (a folder or URL)."""

    __tablename__ = "log_sinks"
    __table_args__ = (UniqueConstraint("repository", "location"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    repository: Mapped[str] = mapped_column(String)  # the release destination, normalised
    location: Mapped[str] = mapped_column(String)  # the sink, normalised
    project: Mapped[str | None] = mapped_column(String, nullable=True)  # None: every project
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    pulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LogSegment(Base):
    """Pull bookkeeping: one row per segment file read from a sink, so pulls are incremental."""

    __tablename__ = "log_segments"
    __table_args__ = (UniqueConstraint("source", "path"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String)  # the sink, normalised
    path: Mapped[str] = mapped_column(String)  # <project>/<day>/<name>.jsonl
    # "done"; "partial" (no end line yet: read again when it grows); "foreign" (another
    # project); "damaged" (checksum or header wrong: nothing imported)
    status: Mapped[str] = mapped_column(String)
    size: Mapped[int] = mapped_column(Integer, default=0)
    records: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[str] = mapped_column(Text, default="[]")  # JSON: the first problems seen
    pulled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LogCall(_CallUsage, Base):
    """A model call an application logged. Text is stored exactly as logged."""

    __tablename__ = "log_calls"
    __table_args__ = (
        Index("ix_log_calls_prompt_time", "prompt", "time"),
        Index("ix_log_calls_time", "time"),
        Index("ix_log_calls_release_time", "release", "time"),
    )
    pk: Mapped[int] = mapped_column(primary_key=True)
    log_id: Mapped[str] = mapped_column(String, unique=True)
    project: Mapped[str] = mapped_column(String)
    channel: Mapped[str | None] = mapped_column(String, nullable=True)
    release: Mapped[int | None] = mapped_column(Integer, nullable=True)
    prompt: Mapped[str] = mapped_column(String)
    version_id: Mapped[str] = mapped_column(String(64))
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    model: Mapped[str | None] = mapped_column(String, nullable=True)
    variables: Mapped[str] = mapped_column(Text, default="{}")  # JSON text, not ASCII-escaped
    variables_hash: Mapped[str] = mapped_column(String(64))  # sha256 of canonical variables
    output: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # latency_ms, tokens_in, tokens_out, cost: _CallUsage
    details: Mapped[str] = mapped_column(Text, default="{}")  # JSON: tokens and metadata
    segment_id: Mapped[int | None] = mapped_column(
        ForeignKey("log_segments.id", ondelete="SET NULL"), nullable=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LogFeedback(Base):
    """Feedback on a logged call. Keyed by the call's log id, not a foreign key: feedback may
    be pulled before the call it is about (another process, another segment)."""

    __tablename__ = "log_feedback"
    __table_args__ = (Index("ix_log_feedback_log", "log_id", "polarity"),)
    pk: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[str] = mapped_column(String, unique=True)
    log_id: Mapped[str] = mapped_column(String)
    project: Mapped[str] = mapped_column(String)
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    rating: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON of the value logged
    polarity: Mapped[str | None] = mapped_column(String, nullable=True)  # positive/negative/...
    label: Mapped[str | None] = mapped_column(Text, nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    corrected_output: Mapped[str | None] = mapped_column(Text, nullable=True)
    details: Mapped[str] = mapped_column(Text, default="{}")  # JSON: metadata
    segment_id: Mapped[int | None] = mapped_column(
        ForeignKey("log_segments.id", ondelete="SET NULL"), nullable=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Monitor(Base):
    """A quality check run over the logged calls of a prompt, or of every prompt in a folder
    (`target` ending in "/"). `check_spec` is an evaluator spec (desktop.core.evaluators) or
    "feedback:thumbs-down" / "feedback:corrected". The window is the last `window_calls` scored
    calls or the last `window_days` days."""

    __tablename__ = "monitors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String, unique=True)
    target: Mapped[str] = mapped_column(String)
    check_spec: Mapped[str] = mapped_column(Text)
    threshold: Mapped[float] = mapped_column(Float)
    margin: Mapped[float] = mapped_column(Float, default=0.05)
    window_calls: Mapped[int | None] = mapped_column(Integer, nullable=True)
    window_days: Mapped[float | None] = mapped_column(Float, nullable=True)
    min_samples: Mapped[int] = mapped_column(Integer, default=20)
    sample_rate: Mapped[float] = mapped_column(Float, default=1.0)
    daily_budget: Mapped[int | None] = mapped_column(Integer, nullable=True)
    webhook: Mapped[str | None] = mapped_column(String, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MonitorScore(Base):
    """A monitor's score of one logged call, before the threshold. `status`: "scored",
    "error" (the check could not run: counted apart, never a pass) or "skipped" (not sampled,
    or nothing to score, e.g. no feedback yet)."""

    __tablename__ = "monitor_scores"
    __table_args__ = (Index("ix_monitor_scores_time", "monitor_id", "time"),)
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"),
                                            primary_key=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("log_calls.pk", ondelete="CASCADE"),
                                         primary_key=True)
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String)
    reason: Mapped[str] = mapped_column(Text, default="")


class MonitorAlert(Base):
    """A monitor's window fell below its threshold. Open until the window is back above
    threshold + margin (or resolved by hand); `call_pks` (JSON) are the calls that caused it."""

    __tablename__ = "monitor_alerts"
    __table_args__ = (Index("ix_monitor_alerts_status", "monitor_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String)  # open, acknowledged, closed
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_call_pk: Mapped[int | None] = mapped_column(Integer, nullable=True)
    opened_value: Mapped[float] = mapped_column(Float)
    worst_value: Mapped[float] = mapped_column(Float)
    call_pks: Mapped[str] = mapped_column(Text, default="[]")
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_call_pk: Mapped[int | None] = mapped_column(Integer, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String, nullable=True)  # recovered, resolved
    webhook_error: Mapped[str | None] = mapped_column(Text, nullable=True)
