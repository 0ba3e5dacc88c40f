"""Scan Station edge agent: drivers, simulators, the durable outbox and the sync loop."""
