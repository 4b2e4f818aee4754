"""Prefect flows: orchestration only; every step is a core function from the baocao package."""

from baocao.settings import apply_prefect_defaults

apply_prefect_defaults()
