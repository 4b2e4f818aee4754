"""Environment defaults for Prefect, applied before Prefect is imported (a user's own settings win)."""

from __future__ import annotations

import os

PREFECT_DEFAULTS = {
    # No telemetry: a department's run makes no outbound connection (STACK.md).
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # The ephemeral server's first start takes 8-13 s here; the default 20 s limit is hit on a loaded machine.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


def apply_prefect_defaults() -> None:
    """Set Prefect's environment defaults where the user has not set them."""
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
