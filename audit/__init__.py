"""The append-only, tamper-evident audit trail (persistence issue): why, replay, verify."""
