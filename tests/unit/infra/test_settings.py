"""Settings for a local Kafka of one or three nodes."""

from __future__ import annotations

from infra.settings import Settings


def test_one_broker_by_default_with_replication_one():
    s = Settings.from_env({})
    assert (s.kafka_brokers, s.kafka_bootstrap_servers) == (1, "127.0.0.1:19092")
    assert (s.topic_replication_factor, s.topic_min_insync_replicas) == (1, 1)


def test_three_brokers_bootstrap_on_every_node_with_replication_three_and_min_isr_two():
    s = Settings.from_env({"CASELEDGER_KAFKA_BROKERS": "3", "CASELEDGER_KAFKA_BOOTSTRAP": "127.0.0.1:29522",
                           "CASELEDGER_KAFKA_CONTROLLER_PORT": "29523"})
    assert s.kafka_bootstrap_servers == "127.0.0.1:29522,127.0.0.1:29532,127.0.0.1:29542"
    assert [(n.node_id, n.port, n.controller_port) for n in s.kafka_nodes] == [
        (1, 29522, 29523), (2, 29532, 29533), (3, 29542, 29543)]
    assert (s.topic_replication_factor, s.topic_min_insync_replicas) == (3, 2)


def test_the_broker_count_remembered_by_stack_up_is_used_by_later_commands(tmp_path):
    (tmp_path / "kafka").mkdir()
    (tmp_path / "kafka" / "brokers").write_text("3\n")
    s = Settings.from_env({"CASELEDGER_STATE_DIR": str(tmp_path)})
    assert s.kafka_brokers == 3 and len(s.kafka_bootstrap_servers.split(",")) == 3
    # The variable wins over what was remembered.
    assert Settings.from_env({"CASELEDGER_STATE_DIR": str(tmp_path), "CASELEDGER_KAFKA_BROKERS": "1"}).kafka_brokers == 1


def test_replication_set_by_hand_and_a_bootstrap_list_given_by_hand_are_kept():
    s = Settings.from_env({"CASELEDGER_KAFKA_BROKERS": "3", "CASELEDGER_KAFKA_BOOTSTRAP": "a:9092,b:9092,c:9092",
                           "CASELEDGER_TOPIC_MIN_ISR": "3"})
    assert s.kafka_bootstrap_servers == "a:9092,b:9092,c:9092"
    assert (s.topic_replication_factor, s.topic_min_insync_replicas) == (3, 3)


def test_back_to_one_broker_lists_only_the_first_node():
    three = Settings.from_env({"CASELEDGER_KAFKA_BROKERS": "3"})
    one = three.with_brokers(1)
    assert one.kafka_bootstrap_servers == "127.0.0.1:19092"
    assert (one.topic_replication_factor, one.topic_min_insync_replicas) == (1, 1)
