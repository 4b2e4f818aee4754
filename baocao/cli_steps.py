"""How ``baocao run`` shows the pipeline's steps as they happen: on a terminal a live status line and a tick
per finished step with its time; piped, one plain line per step ("· reading 297 submission files")."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

from baocao.report import Progress

PLAIN_PREFIX = "· "  # a piped step line starts with this (tests and scripts can tell them from the rest)


@contextmanager
def shown_steps(console: Console) -> Iterator[Progress]:
    """A Progress for run_report that shows each step on ``console`` (a terminal or not)."""
    if not console.is_terminal:

        def plain(text: str) -> None:
            console.print(f"{PLAIN_PREFIX}{text}", highlight=False, markup=False)

        yield plain
        return
    current: list[tuple[str, float]] = []

    def finish() -> None:
        if current:
            text, started = current.pop()
            console.print(
                f"[green]✓[/] {text} [dim]{time.perf_counter() - started:.1f} s[/]", highlight=False
            )

    with console.status("bắt đầu…") as status:

        def live(text: str) -> None:
            finish()
            current.append((text, time.perf_counter()))
            status.update(f"{text}…")

        yield live
        finish()
