"""Parse documents in guarded worker processes: a memory and a time limit per document.

A hostile or broken document (a PDF whose streams inflate to gigabytes, a layout that makes a
reader loop) must cost one document, never the build. Every document is parsed in a worker
process whose address space is capped (RLIMIT_AS, `max_memory`) and whose work on one document
is cut off after `max_seconds` (SIGALRM, with a CPU-time limit behind it for code that does not
return to Python). What happens then:

* the parser runs out of its memory (MemoryError) or time: that document fails with
  :class:`ResourceLimit` naming the limit, and the worker goes on with the next one;
* the worker dies (killed by the kernel, a crash in a C library, the CPU limit): the documents
  it had in hand are parsed again one at a time in a fresh worker, so only the one that kills
  its worker again fails (a ResourceLimit naming the signal); its neighbours are parsed
  normally.

Workers die with the build: each asks the kernel for SIGKILL when its parent (the forkserver)
goes (``PR_SET_PDEATHSIG``) and watches the build process itself (a pidfd), so a build killed
with SIGKILL leaves no worker, forkserver or resource tracker behind.

Running out of memory inside a C library (OpenCV's "Insufficient memory", numpy's allocation
error) is the same resource limit as a MemoryError.

A ResourceLimit is retryable: ``ogi build --incremental`` parses such a document again (a
larger limit, or a parser fix, may read it), while other parse errors of the same bytes and
parser version are not retried.
"""
from __future__ import annotations

import multiprocessing
import resource
import signal
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Iterator

MAX_MEMORY = 2 * 1024 ** 3      # address space of a worker process, in bytes
MAX_SECONDS = 300               # wall time for one document


class ResourceLimit(Exception):
    """A document that exceeded a resource limit of its worker (retryable)."""

    retryable = True


class _TimeUp(BaseException):  # not an Exception: readers' `except Exception` must not eat it
    pass


PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send `sig` to this process when its parent exits (Linux prctl)."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def exit_with(pid: int) -> None:
    """End this process (SIGKILL) as soon as process `pid` has ended: a daemon thread waits on
    a pidfd of it. Also when `pid` is gone already."""
    import os
    import threading

    try:
        fd = os.pidfd_open(pid)
    except (OSError, AttributeError):
        if pid and not _alive(pid):
            os.kill(os.getpid(), signal.SIGKILL)
        return

    def watch() -> None:
        import select

        select.select([fd], [], [])
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="ogi-parent-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _limit_worker(max_memory: int, parent: int = 0) -> None:
    die_with_parent()
    if parent:
        exit_with(parent)
    if max_memory:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = max_memory if hard == resource.RLIM_INFINITY else min(max_memory, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    # the readers are imported before any clock starts: a document's time is its own
    import importlib

    from . import parse

    for module in set(parse._READERS.values()):
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001 - the document that needs it will say why
            pass


_OOM_WORDS = ("insufficient memory", "failed to allocate", "out of memory",
              "cannot allocate memory", "std::bad_alloc")


def out_of_memory(exc: BaseException) -> bool:
    """An exception that says a library ran out of memory (OpenCV's cv2.error "Insufficient
    memory", a C++ bad_alloc), not that the document is wrong."""
    if isinstance(exc, MemoryError):
        return True
    text = str(exc).lower()
    return any(w in text for w in _OOM_WORDS)


def _alarm(signum, frame):
    raise _TimeUp()


def run_guarded(parse: Callable[..., dict], data: bytes, name: str, content_type: str | None,
                max_memory: int, max_seconds: float, extra: dict | None = None) -> Any:
    """In a worker: the parse result, or the exception (returned, never raised)."""
    seconds = max(1, int(max_seconds))
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used.ru_utime + used.ru_stime)
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu + seconds + 30, hard))
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        return parse(data, name=name, content_type=content_type, **(extra or {}))
    except MemoryError:
        return ResourceLimit(f"memory limit: parsing needed more than {max_memory // 2 ** 20} MiB "
                             f"(a decompression bomb or an oversized document)")
    except _TimeUp:
        return ResourceLimit(f"time limit: parsing took more than {seconds} s")
    except Exception as exc:  # noqa: BLE001 - returned: the build records it and goes on
        if out_of_memory(exc):
            return ResourceLimit(f"memory limit: parsing needed more than "
                                 f"{max_memory // 2 ** 20} MiB ({type(exc).__name__}: "
                                 f"{str(exc).strip().splitlines()[-1][:200]})")
        return exc
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _died(exc: BaseException) -> ResourceLimit:
    return ResourceLimit(f"the parser process died on this document ({exc or 'killed'}): "
                         f"probably over the memory limit")


class GuardedParser:
    """Parse (key, data, name, content_type) items in `jobs` guarded workers, in order."""

    def __init__(self, parse: Callable[..., dict], jobs: int = 1,
                 max_memory: int = MAX_MEMORY, max_seconds: float = MAX_SECONDS) -> None:
        self.parse = parse
        self.jobs = max(1, jobs)
        self.max_memory = max_memory
        self.max_seconds = max_seconds

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        # forkserver: workers start from a small fresh process, not a fork of the builder
        # (whose address space, holding every capture of a national archive, may alone exceed
        # the workers' limit)
        import os

        return ProcessPoolExecutor(max_workers=workers, initializer=_limit_worker,
                                   initargs=(self.max_memory, os.getpid()),
                                   mp_context=multiprocessing.get_context("forkserver"))

    def _submit(self, pool, item):
        _key, data, name, ctype, *extra = item  # extra: keyword arguments of the parse (OCR)
        return pool.submit(run_guarded, self.parse, data, name, ctype, self.max_memory,
                           self.max_seconds, extra[0] if extra else None)

    def _alone(self, item) -> Any:
        """Parse one item in a fresh worker of its own (after a worker died)."""
        pool = self._new_pool(1)
        try:
            return self._submit(pool, item).result()
        except BrokenProcessPool as exc:
            return _died(exc)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def map(self, items: Iterable[tuple]) -> Iterator[tuple[Any, Any]]:
        """(key, parse result or exception) for each item, in the order given.

        An item is (key, data, name, content type), or (key, exception) for a document whose
        bytes could not be read (passed through)."""
        window: deque = deque()
        it = iter(items)
        pool = self._new_pool(self.jobs)
        try:
            while True:
                while len(window) < self.jobs * 4:
                    item = next(it, None)
                    if item is None:
                        break
                    if isinstance(item[1], BaseException):
                        window.append((item, item[1]))
                    else:
                        try:
                            fut = self._submit(pool, item)
                        except BrokenProcessPool as exc:  # broke since the last result
                            fut = Future()
                            fut.set_exception(exc)
                        window.append((item, fut))
                if not window:
                    return
                item, fut = window[0]
                if isinstance(fut, BaseException):
                    window.popleft()
                    yield item[0], fut
                    continue
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    # A worker died and every document in flight failed with it: parse each
                    # again on its own, so only the one that kills its worker again fails.
                    pool.shutdown(wait=True, cancel_futures=True)
                    for x, f in list(window):
                        yield x[0], self._settle(x, f)
                    window.clear()
                    pool = self._new_pool(self.jobs)
                    continue
                window.popleft()
                yield item[0], result
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _settle(self, item, fut) -> Any:
        """The outcome of a window entry once its pool broke."""
        if isinstance(fut, BaseException):
            return fut
        if fut.done() and not fut.cancelled() and not isinstance(fut.exception(),
                                                                  BrokenProcessPool):
            return fut.result() if fut.exception() is None else fut.exception()
        return self._alone(item)
