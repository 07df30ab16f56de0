"""Read models: pure functions from event to row changes, and the SQL of each model."""
