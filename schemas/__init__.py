"""The event contract: Avro schemas (.avsc) and the single-object codec."""
