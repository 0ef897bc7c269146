"""The append-only, tamper-evident audit trail (docs/audit.md): why, replay, verify."""
