"""Domain of CaseLedger: aggregates, events, rules, clocks. Pure: no Kafka, SQL or logging."""
