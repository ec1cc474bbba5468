"""Fan-out: ``AsyncGatehouse.parallel`` and ``Gatehouse.parallel``. Like ``asyncio.gather(...,
return_exceptions=True)``: every task settles, results come in the tasks' order, a task's exception is
its result and never raised; at most ``concurrency`` run at once."""

from __future__ import annotations

import asyncio
import inspect
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, Sequence, TypeVar, Union

from .errors import GatehouseError

T = TypeVar("T")

#: A task of ``AsyncGatehouse.parallel``: an awaitable already made, or a function that makes one.
AsyncTask = Union[Awaitable[T], Callable[[], Awaitable[T]]]


def _check(concurrency: int | None) -> None:
    if concurrency is not None and (isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1):
        raise GatehouseError("Invalid concurrency: expected a whole number ≥ 1", code="INVALID_OPTION")


async def async_parallel(tasks: Sequence[AsyncTask[T]], *, concurrency: int | None = None) -> list[T | BaseException]:
    """Runs the tasks side by side, functions at most ``concurrency`` at a time (default: all at once),
    and answers, once all have settled, each one's value or exception in the tasks' order."""
    _check(concurrency)
    results: list[Any] = [None] * len(tasks)
    gate = asyncio.Semaphore(concurrency or max(1, len(tasks)))

    async def settle(index: int, task: AsyncTask[T]) -> None:
        try:
            if callable(task):
                async with gate:
                    results[index] = await task()
            else:
                results[index] = await task
        except Exception as error:  # a task's failure is its result; cancellation still propagates
            results[index] = error

    await asyncio.gather(*(settle(index, task) for index, task in enumerate(tasks)))
    return results


def sync_parallel(tasks: Sequence[Callable[[], T]], *, concurrency: int | None = None) -> list[T | BaseException]:
    """Runs the functions on threads, at most ``concurrency`` at a time (default: all at once), and
    answers, once all have returned or raised, each one's value or exception in the tasks' order. One
    client may be shared by the threads: their gates share its waits."""
    _check(concurrency)
    for task in tasks:
        if not callable(task) or inspect.iscoroutinefunction(task):
            raise GatehouseError("Invalid task: Gatehouse.parallel runs plain functions (AsyncGatehouse.parallel runs coroutines)", code="INVALID_OPTION")
    if not tasks:
        return []

    def settle(task: Callable[[], T]) -> T | BaseException:
        try:
            return task()
        except Exception as error:
            return error

    with ThreadPoolExecutor(max_workers=concurrency or len(tasks), thread_name_prefix="gatehouse-parallel") as pool:
        return list(pool.map(settle, tasks))
