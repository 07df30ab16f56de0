"""Kafka consumers: projection runners, downstream feeds, dead-letter handling."""
