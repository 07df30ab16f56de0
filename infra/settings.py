"""Settings: the only place that reads the environment.

Every variable has a default that points at the local stack started by
`caseledger stack up`, so a fresh clone works with no configuration. Settings
are read once into a frozen object and passed to whatever needs them.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

REPO_ROOT = Path(__file__).resolve().parents[1]


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not an integer; unset it or give a number") from None


def _whole_seconds(ms: int) -> str:
    """Milliseconds for the library's settings in whole seconds: rounded up, never 0 (= no limit)."""
    return str(max(1, -(-ms // 1000)))


# The event store's persistence (infra/persistence/event_store.py), named for the eventsourcing library.
EVENT_STORE = "infra.persistence.event_store:PostgresStore"


@dataclass(frozen=True)
class Settings:
    # Where the local stack keeps its downloads, data and pid files (git-ignored).
    state_dir: Path = REPO_ROOT / ".stack"
    # Downloads (the broker jars), shared by every state dir so they are fetched once.
    cache_dir: Path = REPO_ROOT / ".stack" / "cache"

    # Kafka (KRaft, one combined broker+controller locally; a cluster in production).
    kafka_bootstrap_servers: str = "127.0.0.1:19092"
    kafka_controller_port: int = 19093
    # Combined broker+controller nodes of the local stack (`caseledger stack up --brokers 3`).
    # Node i listens on node 1's ports + (i - 1) × kafka_node_port_step.
    kafka_brokers: int = 1
    kafka_node_port_step: int = 10
    kafka_version: str = "4.3.1"
    kafka_heap: str = "-Xms128m -Xmx384m"
    case_events_topic: str = "caseledger.case-events"
    unit_events_topic: str = "caseledger.unit-events"
    schema_catalogue_topic: str = "caseledger.schemas"
    dead_letter_topic: str = "caseledger.dead-letter"
    topic_partitions: int = 6
    # By default they follow the broker count (`replication_for`): 1/1 on one node, 3/2 on three
    # nodes as in production, where an acks=all write survives the loss of one broker.
    topic_replication_factor: int = 1
    topic_min_insync_replicas: int = 1
    # The relay's bounds on waiting for Kafka. A record not acknowledged within the delivery
    # timeout fails its transaction, which is aborted and redone by a new producer: the relay
    # never commits a transaction with a failed send. The broker aborts a transaction left open
    # longer than the transaction timeout by a relay that died.
    relay_request_timeout_ms: int = 10_000
    relay_delivery_timeout_ms: int = 15_000  # >= request timeout + linger; the longest stall after a broker loss
    relay_transaction_timeout_ms: int = 60_000
    # How often the relay retries events Kafka refused for what they are (parked; infra/relay.py).
    relay_parked_retry_s: float = 60.0
    # The relay's `previous_leaf` header (the per-case chain consumers check, infra/tamper/chain.py);
    # off only to measure what it costs.
    relay_chain_headers: bool = True

    # PostgreSQL: read models and the event store.
    pg_host: str = "127.0.0.1"
    pg_port: int = 15432
    pg_user: str = "caseledger"
    pg_password: str = ""
    pg_database: str = "caseledger"
    # PostgreSQL schema of the read models (the event store keeps the library's tables).
    projection_schema: str = "projections"
    # PostgreSQL schema of the SIPIA/SINASE feed (a downstream subscriber: its own schema; docs/SIPIA.md).
    sipia_schema: str = "sipia"
    # Writes never wait forever. A write to the event store holds the event table's lock (the
    # library's way of keeping notification ids in commit order), so every other writer waits
    # for it: a write waits at most `pg_lock_timeout_ms` for that lock (a normal insert holds it
    # for milliseconds), each statement runs at most `pg_statement_timeout_ms`, and a session
    # idle inside a transaction is ended after `pg_idle_in_transaction_timeout_ms`, releasing
    # its locks. A command that hits one is refused as STORE ("the store was busy: retry").
    pg_lock_timeout_ms: int = 5_000
    pg_statement_timeout_ms: int = 30_000
    pg_idle_in_transaction_timeout_ms: int = 10_000
    # How long to wait for a connection to PostgreSQL (seconds).
    pg_connect_timeout_s: int = 10
    # Attempts at one command when another process wrote the same case or unit first (each
    # attempt reloads the aggregates and checks the rules again), or the connection was lost.
    write_attempts: int = 5
    # Years a released case's personal data are kept before they may be erased (D-19): from the
    # retention table the state archive approved (Lei 8.159/1991 art. 9; LGPD art. 16 I).
    retention_years: int = 5
    # Municipal holidays the ledger's table lacks, each with its source (infra/holidays.py).
    holidays_file: Path | None = None

    # Limits of `caseledger record`, checked before anything is stored (infra/command_input.py).
    # One command's JSON: 64 KiB holds the largest real command (a PIA or a report with its free
    # text is a few KiB) many times over, and keeps every event far below the broker's default
    # message limit (1 MiB) and the relay's batches (4 MiB), so nothing recorded is unpublishable.
    max_command_bytes: int = 64 * 1024
    # One text value (a name, a justification, a description): 8 KiB of UTF-8 is some 1,300
    # words — three pages. Longer documents stay in the case folder; the ledger keeps references.
    max_text_bytes: int = 8 * 1024
    # One input file or standard input: read whole before the first command is applied.
    max_input_bytes: int = 64 * 1024 * 1024

    # The transparency log (infra/tamper/): its Ed25519 signing key file (created 0600 on first
    # use; default <state dir>/keys/log-ed25519.pem), the origin line of its checkpoints, and
    # how often it signs one (every N events or S seconds, whichever comes first).
    tlog_key_file: Path | None = None
    tlog_origin: str = "caseledger.local/log"
    tlog_checkpoint_events: int = 1000
    tlog_checkpoint_s: float = 60.0

    # Logs: "auto" = readable in a terminal, JSON lines otherwise.
    log_format: str = "auto"
    log_level: str = "INFO"

    # The key-encryption key of the personal data's keys (infra/persistence/keys.py): a file of 32
    # random bytes, mode 0600, outside the database; default beside the stack's state.
    data_key_file: Path | None = None

    # Extra variables passed through to the eventsourcing library untouched.
    eventsourcing_overrides: Mapping[str, str] = field(default_factory=dict)

    @property
    def tlog_key_path(self) -> Path:
        """The signing key file: the setting, else beside the stack's state (each test stack its own)."""
        return self.tlog_key_file or self.state_dir / "keys" / "log-ed25519.pem"

    @property
    def data_key_path(self) -> Path:
        """The key-encryption key file: CASELEDGER_KEY_FILE, else `<state dir>/keys/data-kek.key`."""
        return self.data_key_file or self.state_dir / "keys" / "data-kek.key"

    @property
    def pg_write_options(self) -> dict[str, str]:
        """psycopg2.connect() keywords that bound a writing session as the event store's are bounded."""
        return {"options": f"-c lock_timeout={self.pg_lock_timeout_ms} "
                           f"-c statement_timeout={self.pg_statement_timeout_ms} "
                           f"-c idle_in_transaction_session_timeout={self.pg_idle_in_transaction_timeout_ms}"}

    @property
    def pg_dsn(self) -> str:
        """libpq connection string (psycopg2 and psql both accept it)."""
        return self.pg_dsn_for(self.pg_user)

    def pg_password_for(self, role: str) -> str:
        """A role's password: CASELEDGER_PG_PASSWORD for the configured user, else the one
        `stack up` generated in the state dir (infra/stack/postgres.py), else none."""
        if role == self.pg_user and self.pg_password:
            return self.pg_password
        return read_secret(self.state_dir, f"postgres-{role}")

    def pg_role(self, kind: str) -> str:
        """The database role of one program kind (writer, projector, reader; infra/stack/roles.py)
        when `stack up` made it (its password is in the state dir), else the configured user."""
        role = f"{self.pg_user}_{kind}"
        return role if read_secret(self.state_dir, f"postgres-{role}") else self.pg_user

    def writer_env(self) -> dict[str, str]:
        """eventsourcing_env for the ledger's sessions: the writer role, tables made beforehand by the owner."""
        role = self.pg_role("writer")
        if role == self.pg_user:
            return self.eventsourcing_env()
        return self.eventsourcing_env(POSTGRES_USER=role, POSTGRES_PASSWORD=self.pg_password_for(role),
                                      CREATE_TABLE="n")  # the library's key (not POSTGRES_…)

    def pg_dsn_for(self, role: str) -> str:
        """libpq connection string for one database role, with its password."""
        password = self.pg_password_for(role)
        secret = f" password={password}" if password else ""
        return f"host={self.pg_host} port={self.pg_port} user={role} dbname={self.pg_database}{secret}"

    def eventsourcing_env(self, **extra: str) -> dict[str, str]:
        """Environment for an eventsourcing Application storing in our PostgreSQL.

        POSTGRES_ENABLE_DB_FUNCTIONS stays off: it gives up the table lock that
        keeps notification ids in commit order, which the relay relies on.
        """
        env = {
            # The library's PostgreSQL persistence with bounded writes and a safe start.
            "PERSISTENCE_MODULE": EVENT_STORE,
            "POSTGRES_DBNAME": self.pg_database,
            "POSTGRES_HOST": self.pg_host,
            "POSTGRES_PORT": str(self.pg_port),
            "POSTGRES_USER": self.pg_user,
            "POSTGRES_PASSWORD": self.pg_password_for(self.pg_user),
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
            "POSTGRES_CREATE_TABLE": "y",
            "POSTGRES_LOCK_TIMEOUT_MS": str(self.pg_lock_timeout_ms),
            "POSTGRES_STATEMENT_TIMEOUT_MS": str(self.pg_statement_timeout_ms),
            # The library's own settings count whole seconds.
            "POSTGRES_LOCK_TIMEOUT": _whole_seconds(self.pg_lock_timeout_ms),
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": _whole_seconds(self.pg_idle_in_transaction_timeout_ms),
            "POSTGRES_CONNECT_TIMEOUT": str(self.pg_connect_timeout_s),
            # The owner creating the tables grants the writer role its SELECT/INSERT (infra/stack/roles.py).
            "POSTGRES_WRITER_ROLE": f"{self.pg_user}_writer",
            # Keep recently used aggregates in memory. The ledger keeps them pickled and hands out
            # a fresh copy each time (infra/persistence/repository.py), fast-forwarded with any newer stored events
            # before each command; saving is optimistic per aggregate, so a second writer can
            # never be overwritten.
            "AGGREGATE_CACHE_MAXSIZE": "20000",
            "AGGREGATE_CACHE_FASTFORWARD": "y",
            "CASELEDGER_KEY_FILE": str(self.data_key_path),
            "CASELEDGER_RETENTION_YEARS": str(self.retention_years),
        }
        env.update(self.eventsourcing_overrides)
        env.update(extra)
        return env

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """Read CASELEDGER_* variables (and the library's POSTGRES_*/PERSISTENCE_* ones).

        The broker count is CASELEDGER_KAFKA_BROKERS, else the count `caseledger stack up
        --brokers N` remembered in the state dir, else 1; with it come the bootstrap list (every
        node) and the topics' replication, unless those are set themselves.
        """
        env = os.environ if env is None else env
        d = cls()
        es_keys = ("PERSISTENCE_MODULE", "POSTGRES_", "SQLITE_", "IS_SNAPSHOTTING_ENABLED")
        state_dir = Path(env.get("CASELEDGER_STATE_DIR", d.state_dir))
        brokers = _int(env, "CASELEDGER_KAFKA_BROKERS", remembered_brokers(state_dir) or d.kafka_brokers)
        if brokers < 1:
            raise SystemExit(f"CASELEDGER_KAFKA_BROKERS={brokers}: give 1 or more")
        replication, min_isr = replication_for(brokers)
        clustered = dataclasses.replace(
            d, kafka_bootstrap_servers=env.get("CASELEDGER_KAFKA_BOOTSTRAP", d.kafka_bootstrap_servers),
            kafka_controller_port=_int(env, "CASELEDGER_KAFKA_CONTROLLER_PORT", d.kafka_controller_port),
            kafka_node_port_step=_int(env, "CASELEDGER_KAFKA_NODE_PORT_STEP", d.kafka_node_port_step),
        ).with_brokers(brokers)
        return cls(
            state_dir=state_dir,
            cache_dir=Path(env.get("CASELEDGER_CACHE_DIR", d.cache_dir)),
            kafka_bootstrap_servers=clustered.kafka_bootstrap_servers,
            kafka_controller_port=clustered.kafka_controller_port,
            kafka_brokers=brokers,
            kafka_node_port_step=clustered.kafka_node_port_step,
            kafka_version=env.get("CASELEDGER_KAFKA_VERSION", d.kafka_version),
            kafka_heap=env.get("CASELEDGER_KAFKA_HEAP", d.kafka_heap),
            case_events_topic=env.get("CASELEDGER_CASE_EVENTS_TOPIC", d.case_events_topic),
            unit_events_topic=env.get("CASELEDGER_UNIT_EVENTS_TOPIC", d.unit_events_topic),
            schema_catalogue_topic=env.get("CASELEDGER_SCHEMA_TOPIC", d.schema_catalogue_topic),
            dead_letter_topic=env.get("CASELEDGER_DLQ_TOPIC", d.dead_letter_topic),
            topic_partitions=_int(env, "CASELEDGER_TOPIC_PARTITIONS", d.topic_partitions),
            topic_replication_factor=_int(env, "CASELEDGER_TOPIC_REPLICATION", replication),
            topic_min_insync_replicas=_int(env, "CASELEDGER_TOPIC_MIN_ISR", min_isr),
            relay_request_timeout_ms=_int(env, "CASELEDGER_RELAY_REQUEST_TIMEOUT_MS", d.relay_request_timeout_ms),
            relay_delivery_timeout_ms=_int(env, "CASELEDGER_RELAY_DELIVERY_TIMEOUT_MS",
                                           d.relay_delivery_timeout_ms),
            relay_transaction_timeout_ms=_int(env, "CASELEDGER_RELAY_TRANSACTION_TIMEOUT_MS",
                                              d.relay_transaction_timeout_ms),
            relay_parked_retry_s=_int(env, "CASELEDGER_RELAY_PARKED_RETRY_S", int(d.relay_parked_retry_s)),
            relay_chain_headers=env.get("CASELEDGER_RELAY_CHAIN_HEADERS", "1") != "0",
            pg_host=env.get("CASELEDGER_PG_HOST", d.pg_host),
            pg_port=_int(env, "CASELEDGER_PG_PORT", d.pg_port),
            pg_user=env.get("CASELEDGER_PG_USER", d.pg_user),
            pg_password=env.get("CASELEDGER_PG_PASSWORD", d.pg_password),
            pg_database=env.get("CASELEDGER_PG_DATABASE", d.pg_database),
            projection_schema=env.get("CASELEDGER_PROJECTION_SCHEMA", d.projection_schema),
            sipia_schema=env.get("CASELEDGER_SIPIA_SCHEMA", d.sipia_schema),
            max_command_bytes=_int(env, "CASELEDGER_MAX_COMMAND_BYTES", d.max_command_bytes),
            max_text_bytes=_int(env, "CASELEDGER_MAX_TEXT_BYTES", d.max_text_bytes),
            max_input_bytes=_int(env, "CASELEDGER_MAX_INPUT_BYTES", d.max_input_bytes),
            pg_lock_timeout_ms=_int(env, "CASELEDGER_PG_LOCK_TIMEOUT_MS", d.pg_lock_timeout_ms),
            pg_statement_timeout_ms=_int(env, "CASELEDGER_PG_STATEMENT_TIMEOUT_MS", d.pg_statement_timeout_ms),
            pg_idle_in_transaction_timeout_ms=_int(env, "CASELEDGER_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS",
                                                   d.pg_idle_in_transaction_timeout_ms),
            pg_connect_timeout_s=_int(env, "CASELEDGER_PG_CONNECT_TIMEOUT", d.pg_connect_timeout_s),
            write_attempts=_int(env, "CASELEDGER_WRITE_ATTEMPTS", d.write_attempts),
            retention_years=_int(env, "CASELEDGER_RETENTION_YEARS", d.retention_years),
            holidays_file=Path(env["CASELEDGER_HOLIDAYS_FILE"]) if env.get("CASELEDGER_HOLIDAYS_FILE") else None,
            tlog_key_file=Path(env["CASELEDGER_LOG_KEY_FILE"]) if env.get("CASELEDGER_LOG_KEY_FILE") else None,
            tlog_origin=env.get("CASELEDGER_LOG_ORIGIN", d.tlog_origin),
            data_key_file=Path(env["CASELEDGER_KEY_FILE"]) if env.get("CASELEDGER_KEY_FILE") else None,
            tlog_checkpoint_events=_int(env, "CASELEDGER_LOG_CHECKPOINT_EVENTS", d.tlog_checkpoint_events),
            tlog_checkpoint_s=_int(env, "CASELEDGER_LOG_CHECKPOINT_S", int(d.tlog_checkpoint_s)),
            log_format=env.get("CASELEDGER_LOG_FORMAT", d.log_format),
            log_level=env.get("CASELEDGER_LOG_LEVEL", d.log_level),
            eventsourcing_overrides={k: v for k, v in env.items() if k.startswith(es_keys)},
        )

    @property
    def input_limits(self):
        """The limits `record` applies to its input (infra.command_input.InputLimits)."""
        from infra.command_input import InputLimits

        return InputLimits(max_input_bytes=self.max_input_bytes, max_command_bytes=self.max_command_bytes,
                           max_text_bytes=self.max_text_bytes)

    @property
    def kafka_port(self) -> int:
        return int(self.kafka_bootstrap_servers.split(",")[0].rsplit(":", 1)[1])

    @property
    def kafka_nodes(self) -> list[KafkaNode]:
        """The local stack's Kafka nodes: node 1 on the first bootstrap address, the others above it."""
        host = self.kafka_bootstrap_servers.split(",")[0].rsplit(":", 1)[0]
        step = self.kafka_node_port_step
        return [KafkaNode(i, host, self.kafka_port + step * (i - 1), self.kafka_controller_port + step * (i - 1))
                for i in range(1, self.kafka_brokers + 1)]

    def with_brokers(self, brokers: int) -> "Settings":
        """These settings for a local stack of `brokers` nodes: bootstrap on every node, and the
        topics' replication that count calls for (`replication_for`)."""
        replication, min_isr = replication_for(brokers)
        one = dataclasses.replace(self, kafka_brokers=brokers)
        listed = self.kafka_bootstrap_servers.split(",")
        derived = len(listed) == 1 or listed == [n.address for n in self.kafka_nodes]
        # A list given by hand (a remote cluster) is kept as it is.
        bootstrap = ",".join(n.address for n in one.kafka_nodes) if derived else self.kafka_bootstrap_servers
        return dataclasses.replace(one, kafka_bootstrap_servers=bootstrap,
                                   topic_replication_factor=replication, topic_min_insync_replicas=min_isr)


@dataclass(frozen=True)
class KafkaNode:
    """One combined broker+controller node of the local stack."""

    node_id: int
    host: str
    port: int
    controller_port: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def replication_for(brokers: int) -> tuple[int, int]:
    """Replication factor and min ISR for `brokers` nodes: 3 and 2 from three nodes up (so an
    acks=all write survives one broker's loss, as in production), otherwise every node, min ISR 1."""
    replication = min(brokers, 3)
    return replication, (2 if replication >= 3 else 1)


BROKERS_FILE = Path("kafka") / "brokers"
# Passwords `caseledger stack up` generates, one 0600 file each, in a 0700 folder of the state dir.
SECRETS_DIR = Path("secrets")


def read_secret(state_dir: Path, name: str) -> str:
    """A generated secret of the local stack (`state_dir/secrets/<name>`), or "" if there is none."""
    try:
        return (state_dir / SECRETS_DIR / name).read_text().strip()
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return ""


def remembered_brokers(state_dir: Path) -> int | None:
    """The node count `caseledger stack up --brokers N` recorded for this state dir, if any."""
    try:
        return int((state_dir / BROKERS_FILE).read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None
