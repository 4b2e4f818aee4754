"""Deployments on a Prefect work pool, for national runs spread over workers.

    prefect server start                       # once, with PREFECT_API_DATABASE_CONNECTION_URL=postgresql+asyncpg://...
    baocao deploy --work-pool baocao           # creates the pool (type process) and the two deployments
    prefect worker start --pool baocao         # on each machine that shares the project, inputs and outputs
    baocao run --all --period 2026-Q2 --inputs /srv/baocao/inputs --work-pool baocao

The workers run the code from this project folder (a local source: every worker machine has the project at
the same path, e.g. a checkout or a network share) and read and write the same inputs and outputs folders.
Prefect's server hands each province run to one worker; nothing here schedules anything.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import cast
from uuid import UUID

from prefect import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.exceptions import ObjectNotFound

from baocao.report import PROJECT_ROOT
from flows.national import PROVINCE_DEPLOYMENT

NATIONAL_DEPLOYMENT = "bao-cao-toan-quoc"


async def ensure_pool(name: str) -> None:
    """Create the work pool (type process) unless it exists."""
    async with get_client() as client:
        try:
            await client.read_work_pool(name)
        except ObjectNotFound:
            await client.create_work_pool(WorkPoolCreate(name=name, type="process"))


def deploy_to_pool(pool: str, source: Path = PROJECT_ROOT) -> list[UUID]:
    """The province flow and the national flow as deployments on ``pool``, run from ``source``."""
    from prefect import Flow

    asyncio.run(ensure_pool(pool))
    ids: list[UUID] = []
    for entrypoint, name in (
        ("flows/national.py:province_run", PROVINCE_DEPLOYMENT),
        ("flows/national.py:national_report", NATIONAL_DEPLOYMENT),
    ):
        loaded = Flow.from_source(source=str(source), entrypoint=entrypoint)
        deployment_id = loaded.deploy(  # type: ignore[union-attr]
            name=name, work_pool_name=pool, build=False, push=False, print_next_steps=False
        )
        ids.append(cast(UUID, deployment_id))
    return ids
