"""A real Apache Kafka broker (KRaft, combined broker+controller) from Maven Central jars.

The broker is in neither PyPI nor Debian: Maven resolves `kafka_2.13` and the
log4j backend its POMs leave out (pom.xml beside this file) into
`.stack/cache/kafka-VERSION/libs`, once; later starts reuse the cache.

By default one node on 127.0.0.1, so the internal topics get replication factor 1
and min ISR 1 — without that, consumer groups, idempotent and transactional
producers fail. `caseledger stack up --brokers 3` runs three combined nodes
instead (`KafkaCluster`), as production does: each with its own listeners, data
dir, log and pid file, all voters of one static quorum and formatted with one
cluster id; internal topics at replication factor 3, min ISR 2.

Why one module of this size: a node and a cluster of nodes share the jars, the
configuration template, the storage format and the readiness check; split, each
half would import the other's private steps.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from infra.settings import BROKERS_FILE, KafkaNode, Settings, remembered_brokers, replication_for
from infra.stack.process import PidFile, StackError, port_open, port_released, tail, terminate, terminate_all

HERE = Path(__file__).resolve().parent

LOG4J2 = """\
Configuration:
  Appenders:
    File:
      name: FILE
      fileName: "{log}"
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: FILE
    Logger:
      - name: kafka.request.logger
        level: WARN
      - name: org.apache.kafka.controller
        level: WARN
"""


@dataclass(frozen=True)
class KafkaServer:
    """One node: the whole local Kafka by default, or node `node_id` of a `KafkaCluster`."""

    settings: Settings
    node_id: int = 1

    @property
    def clustered(self) -> bool:
        return self.settings.kafka_brokers > 1

    @property
    def node(self) -> KafkaNode:
        return self.settings.kafka_nodes[self.node_id - 1]

    @property
    def name(self) -> str:
        return f"kafka-{self.node_id}" if self.clustered else "kafka"

    # -- paths ---------------------------------------------------------------
    @property
    def home(self) -> Path:
        kafka = self.settings.state_dir / "kafka"
        return kafka / f"node-{self.node_id}" if self.clustered else kafka

    @property
    def libs(self) -> Path:
        # Keyed by version: changing the pinned version downloads the new jars once.
        return self.settings.cache_dir / f"kafka-{self.settings.kafka_version}" / "libs"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def config(self) -> Path:
        return self.home / "server.properties"

    @property
    def log_file(self) -> Path:
        return self.home / "server.log"

    @property
    def pidfile(self) -> PidFile:
        return PidFile(self.home / "kafka.pid", signature=str(self.config))

    @property
    def host(self) -> str:
        return self.node.host

    @property
    def port(self) -> int:
        return self.node.port

    @property
    def controller_port(self) -> int:
        return self.node.controller_port

    # -- set-up --------------------------------------------------------------
    def check_tools(self) -> None:
        java = shutil.which("java")
        if not java:
            raise StackError(
                "Java 17+ is needed to run the Kafka broker and was not found. "
                "Install it with: apt-get install -y openjdk-17-jre-headless"
            )
        if not self._jars_ready() and not shutil.which("mvn"):
            raise StackError(
                "Maven is needed once, to fetch the Kafka broker jars from Maven Central, and was not "
                "found. Install it with: apt-get install -y maven"
            )

    def _jars_ready(self) -> bool:
        return (self.libs / f"kafka_2.13-{self.settings.kafka_version}.jar").exists()

    def fetch_jars(self, echo=print) -> bool:
        """Resolve the broker jars into the cache. Returns True if it had to download."""
        if self._jars_ready():
            return False
        echo(f"fetching Apache Kafka {self.settings.kafka_version} jars from Maven Central (once)…")
        partial = self.libs.with_name("libs.partial")
        shutil.rmtree(partial, ignore_errors=True)
        cmd = [
            "mvn", "-q", "-B", "-f", str(HERE / "pom.xml"),
            f"-Dkafka.version={self.settings.kafka_version}",
            "dependency:copy-dependencies", "-DincludeScope=runtime",
            f"-DoutputDirectory={partial}",
        ]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            raise StackError(
                f"Maven could not fetch Kafka {self.settings.kafka_version}:\n"
                f"{(result.stdout + result.stderr)[-2000:]}\n"
                "Check that Maven Central is reachable, then run `caseledger stack up` again."
            )
        # Rename last, so an interrupted download is never mistaken for a complete one.
        partial.rename(self.libs)
        return True

    def write_config(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        host, nodes = self.host, self.settings.kafka_nodes
        # One node: internal topics cannot have more replicas than brokers. Three: RF 3, min ISR 2.
        replication, min_isr = (str(n) for n in replication_for(len(nodes)))
        props = {
            "process.roles": "broker,controller",
            "node.id": str(self.node_id),
            "controller.quorum.voters": ",".join(f"{n.node_id}@{n.host}:{n.controller_port}" for n in nodes),
            "listeners": f"PLAINTEXT://{host}:{self.port},CONTROLLER://{host}:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{host}:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(self.data_dir),
            "num.partitions": "1",
            "offsets.topic.replication.factor": replication,
            "offsets.topic.num.partitions": "1",
            "transaction.state.log.replication.factor": replication,
            "transaction.state.log.min.isr": min_isr,
            "transaction.state.log.num.partitions": "1",
            "share.coordinator.state.topic.replication.factor": replication,
            "share.coordinator.state.topic.min.isr": min_isr,
            "group.initial.rebalance.delay.ms": "0",
            # The default reserves 128 MiB of heap for compaction; our heap is small.
            "log.cleaner.dedupe.buffer.size": "2097152",
            # Topics are created by the project with explicit configuration, never by accident.
            "auto.create.topics.enable": "false",
        }
        self.config.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        (self.home / "log4j2.yaml").write_text(LOG4J2.format(log=self.home / "broker-detail.log"))

    def _java(self, *args: str, fast: bool = False) -> list[str]:
        jvm = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"] if fast else []
        return ["java", *jvm, f"-Dlog4j2.configurationFile={self.home / 'log4j2.yaml'}",
                "-cp", str(self.libs / "*"), *args]

    def cluster_id(self) -> str | None:
        """The cluster id this node's storage was formatted with (None if not formatted)."""
        try:
            found = re.search(r"^cluster\.id=(.+)$", (self.data_dir / "meta.properties").read_text(), re.M)
        except FileNotFoundError:
            return None
        return found.group(1).strip() if found else None

    def format_storage(self, cid: str | None = None) -> None:
        """Format the data dir (once) with cluster id `cid`, or a new one."""
        if (self.data_dir / "meta.properties").exists():
            return
        cid = cid or new_cluster_id()
        result = subprocess.run(
            # One argument, `--cluster-id=…`: a base64 id may start with "-", which the tool's
            # argument parser would otherwise take for an option (seen: 1 start in 64 failed).
            self._java("kafka.tools.StorageTool", "format", f"--cluster-id={cid}", "-c", str(self.config),
                       "--ignore-formatted", fast=True),
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise StackError(f"formatting Kafka storage failed:\n{(result.stdout + result.stderr)[-2000:]}")

    # -- lifecycle -----------------------------------------------------------
    def running_pid(self) -> int | None:
        return self.pidfile.running_pid()

    def start(self, timeout: float = 90.0) -> int:
        """Start the broker (if not running) and wait until it really serves."""
        pid = self.running_pid()
        if pid:
            return pid
        self.check_port()
        self.check_tools()
        self.fetch_jars()
        self.write_config()
        self.format_storage()
        proc = self.launch()
        try:
            self._wait_ready(proc, timeout)
        except BaseException:
            # Clean up after a failed start: no half-started broker left behind.
            terminate(proc.pid, grace=10)
            self.pidfile.clear()
            raise
        return proc.pid

    def check_port(self) -> None:
        if not port_released(self.host, self.port):
            raise StackError(
                f"port {self.port} on {self.host} is taken by a process this stack did not start. "
                f"Stop it, or set CASELEDGER_KAFKA_BOOTSTRAP to another port."
            )

    def launch(self) -> subprocess.Popen:
        """Start the JVM on the written config and record its pid; does not wait."""
        heap = self.settings.kafka_heap.split()
        cmd = self._java(*heap, "-XX:+ExitOnOutOfMemoryError", "kafka.Kafka", str(self.config))
        with open(self.log_file, "ab") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, umask=0o077,  # segments 0600
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        self.pidfile.write(proc.pid)
        return proc

    def wait_port(self, proc: subprocess.Popen, deadline: float) -> None:
        """Until the broker port opens; fails fast if the process exits."""
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise StackError(
                    f"the Kafka broker {self.name} exited with code {proc.returncode} while starting. "
                    f"Last lines of {self.log_file}:\n{tail(self.log_file)}"
                )
            if port_open(self.host, self.port):
                return
            time.sleep(0.2)
        raise StackError(f"the Kafka broker {self.name} did not open port {self.port} in time. "
                         f"Last lines of {self.log_file}:\n{tail(self.log_file)}")

    def _wait_ready(self, proc: subprocess.Popen, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        self.wait_port(proc, deadline)
        remaining = max(5.0, deadline - time.monotonic())
        round_trip(self.settings.kafka_bootstrap_servers, timeout=remaining)

    def stop(self) -> bool:
        """Stop the broker we started (SIGTERM, then SIGKILL). True if one was running."""
        pid = self.running_pid()
        self.pidfile.clear()
        if not pid:
            return False
        terminate(pid, grace=30)
        return True

    def status(self) -> dict:
        pid = self.running_pid()
        listening = port_open(self.host, self.port)
        state = "up" if pid and listening else ("starting" if pid else "down")
        if not pid and listening and not port_released(self.host, self.port):
            state = "foreign"  # something else listens on our port
        return {"server": self.name, "state": state, "pid": pid,
                "listens": self.node.address if self.clustered else self.settings.kafka_bootstrap_servers,
                "version": self.settings.kafka_version, "log": str(self.log_file)}


def new_cluster_id() -> str:
    # Kafka cluster ids are 16 bytes in URL-safe base64 without padding.
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


@dataclass(frozen=True)
class KafkaCluster:
    """The local Kafka: `settings.kafka_brokers` combined broker+controller nodes on loopback.

    With one node this is exactly `KafkaServer` (same paths, ports and checks). With more, the
    nodes are started together — a node of a static quorum waits for a majority of voters before
    it serves — and stopped together: stopped one by one, the last node has no quorum left and
    hangs on SIGTERM.
    """

    settings: Settings
    name = "kafka"

    @property
    def nodes(self) -> list[KafkaServer]:
        return [KafkaServer(self.settings, n.node_id) for n in self.settings.kafka_nodes]

    @property
    def home(self) -> Path:
        return self.settings.state_dir / "kafka"

    def check_tools(self) -> None:
        self._check_remembered()
        self.nodes[0].check_tools()

    def running_pid(self) -> int | None:
        """A pid when every node runs (None if any is down, so `up` starts the missing ones)."""
        pids = [n.running_pid() for n in self.nodes]
        return pids[0] if all(pids) else None

    def _check_remembered(self) -> None:
        """Refuse to turn formatted nodes into a cluster of another size (their quorums differ)."""
        count = remembered_brokers(self.settings.state_dir)
        if count and count != self.settings.kafka_brokers and any(self.home.rglob("meta.properties")):
            raise StackError(
                f"the Kafka in {self.home} was created with {count} broker(s), not {self.settings.kafka_brokers}. "
                f"Run `caseledger stack up --brokers {count}`, or stop it and remove {self.home} (its data) "
                f"to start over, or use another CASELEDGER_STATE_DIR.")

    def start(self, timeout: float = 120.0) -> int:
        """Start the nodes that are not running, together, and wait until the cluster serves."""
        self._check_remembered()
        if not self.nodes[0].clustered:
            pid = self.nodes[0].start(timeout=min(timeout, 90.0))
            self._remember()
            return pid
        todo = [n for n in self.nodes if not n.running_pid()]
        if not todo:
            return self.nodes[0].running_pid() or 0
        for node in todo:
            node.check_port()
        self.check_tools()
        self.nodes[0].fetch_jars()
        # One cluster id for every node: the one already formatted, else a new one.
        cid = next((c for c in (n.cluster_id() for n in self.nodes) if c), None) or new_cluster_id()
        for node in todo:
            node.write_config()
            node.format_storage(cid)
        self._remember()
        procs = []
        try:
            for node in todo:
                procs.append((node, node.launch()))
            deadline = time.monotonic() + timeout
            for node, proc in procs:
                node.wait_port(proc, deadline)
            round_trip(self.settings.kafka_bootstrap_servers, timeout=max(5.0, deadline - time.monotonic()),
                       replication=self.settings.topic_replication_factor)
        except BaseException:
            # No half-started cluster left behind: stop what this call started, together.
            terminate_all([p.pid for _, p in procs], grace=10)
            for node, _ in procs:
                node.pidfile.clear()
            raise
        return procs[0][1].pid

    def _remember(self) -> None:
        path = self.settings.state_dir / BROKERS_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{self.settings.kafka_brokers}\n")

    def stop(self) -> bool:
        """Stop every node we started, all at once. True if any was running."""
        pids = []
        for node in self.nodes:
            pid = node.running_pid()
            node.pidfile.clear()
            if pid:
                pids.append(pid)
        if not pids:
            return False
        terminate_all(pids, grace=30)
        return True

    def status(self) -> list[dict]:
        return [n.status() for n in self.nodes]


HEALTH_TOPIC = "caseledger.healthcheck"


def round_trip(bootstrap: str, timeout: float = 30.0, replication: int = 1) -> float:
    """Produce a record with an idempotent producer and read it back. Returns seconds taken.

    This is "ready": the port opening is not enough (the broker accepts
    connections before its metadata is loaded and its group coordinator runs).
    On a cluster the health topic is replicated to `replication` nodes, so the
    round trip needs them to agree (acks=all), not just one node.
    """
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import NewTopic
    from kafka.errors import KafkaError, TopicAlreadyExistsError

    started = time.monotonic()
    deadline = started + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000,
                                     client_id="caseledger-healthcheck")
            try:
                admin.create_topics([NewTopic(HEALTH_TOPIC, 1, replication,
                                              topic_configs={"retention.ms": "3600000"})])
            except TopicAlreadyExistsError:
                pass
            finally:
                admin.close()
            token = uuid.uuid4().hex.encode()
            producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True,
                                     request_timeout_ms=5000, max_block_ms=5000)
            try:
                meta = producer.send(HEALTH_TOPIC, key=b"ping", value=token,
                                     headers=[("check", b"round-trip")]).get(timeout=10)
            finally:
                producer.close(timeout=5)
            consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                     consumer_timeout_ms=5000, request_timeout_ms=6000)
            try:
                tp = TopicPartition(HEALTH_TOPIC, meta.partition)
                consumer.assign([tp])
                consumer.seek(tp, meta.offset)
                for record in consumer:
                    if record.value == token:
                        return time.monotonic() - started
            finally:
                consumer.close()
            last_error = StackError("the record produced was not read back")
        except KafkaError as exc:  # broker still loading: try again
            last_error = exc
        time.sleep(0.5)
    raise StackError(f"Kafka at {bootstrap} did not complete a produce+consume round trip "
                     f"within {timeout:.0f} s (last error: {last_error!r})")

