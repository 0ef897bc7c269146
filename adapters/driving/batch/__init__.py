"""The nightly batch: the runner, a worker loop (per process: process.py), progress, the morning report."""
