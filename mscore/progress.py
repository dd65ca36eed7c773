"""Progress display for long work (fetching, converting and patching per repository; converting a tree; a scan).

On a terminal: a rich progress line per stage with a bar, files done / total, files per second and elapsed time;
it disappears when the stage ends, so what stays on the screen is the usual report. Anywhere else (a pipe, a file,
CI logs, ``--quiet``): :class:`NullProgress`, which prints nothing at all.

The code doing the work only calls ``progress.stage(label)`` and passes ``progress.files`` (a callable taking
``(done_increment, total)``) to ``tree.convert_tree``; it never knows which of the two it got.
"""
from __future__ import annotations


class NullProgress:
    """Progress that shows nothing (not a terminal, or quiet)."""

    def stage(self, label: str, total: int | None = None) -> None:
        pass

    def files(self, done: int, total: int) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class TerminalProgress(NullProgress):
    """One live rich progress line per stage, on ``console`` (a terminal)."""

    def __init__(self, console):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.text import Text

        class FilesPerSecond(ProgressColumn):
            def render(self, task):
                speed = task.finished_speed or task.speed
                return Text("" if speed is None else f"{speed:,.0f} files/s", style="progress.data.speed")

        self._progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), FilesPerSecond(),
            TimeElapsedColumn(), console=console, transient=True, refresh_per_second=8,
        )
        self._task = None
        self._started = False

    def _start(self) -> None:
        if not self._started:
            self._progress.start()
            self._started = True

    def stage(self, label: str, total: int | None = None) -> None:
        self._start()
        if self._task is not None:
            self._progress.remove_task(self._task)
        self._task = self._progress.add_task(label, total=total)

    def files(self, done: int, total: int) -> None:
        if self._task is None:
            self.stage("converting", total)
        self._progress.update(self._task, total=total, advance=done)

    def close(self) -> None:
        if self._started:
            self._progress.stop()
            self._started = False


def for_console(console, *, enabled: bool = True) -> NullProgress:
    """A progress display on ``console`` when it is a terminal and ``enabled``; else one that prints nothing."""
    if enabled and console is not None and console.is_terminal:
        return TerminalProgress(console)
    return NullProgress()
