"""Run one reader in a forked child under an address-space limit and a hard deadline.

Why a bare ``os.fork`` and not multiprocessing: the child must start instantly with the
already-imported readers (no re-import, no pickling of the input), must work when the caller is
itself a daemonic multiprocessing worker (multiprocessing refuses children there), and must be
killable without leaving queue feeder threads behind. POSIX only, like the rest of nianbao.
"""

from __future__ import annotations

import os
import pickle
import resource
import select
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

from parsers.formats.base import ExtractedDocument, Limits, failed


def _vm_size() -> int:
    """This process's current virtual size in bytes (0 if unknown)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_isolated(func: Callable[..., ExtractedDocument], args: tuple[Any, ...], fmt: str,
                 where: str, limits: Limits) -> ExtractedDocument:
    """``func(*args)`` in a forked child limited to the parent's size plus
    ``limits.max_memory_mb`` of address space and killed after ``limits.max_seconds`` (plus a
    grace second). Any failure of the child becomes a warning on an empty document."""
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError as exc:  # cannot fork (process limit): read in-process, guards still apply
        os.close(read_fd)
        os.close(write_fd)
        doc = func(*args)
        doc.warnings.append(f"could not isolate reader ({exc}); read in-process")
        return doc
    if pid == 0:  # child
        code = 0
        try:
            os.close(read_fd)
            budget = limits.max_memory_mb * 1024 * 1024
            vm = _vm_size()
            if vm:
                resource.setrlimit(resource.RLIMIT_AS, (vm + budget, vm + budget))
            cpu = int(limits.max_seconds) + 2
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
            try:
                result = func(*args)
            except MemoryError:
                result = failed(fmt, where, "ran out of memory while reading (memory limit "
                                f"{limits.max_memory_mb} MiB); document too large or hostile")
            payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            view = memoryview(payload)
            while view:
                n = os.write(write_fd, view[:1 << 20])
                view = view[n:]
        except BaseException:  # the child must never return into the caller's code
            code = 1
        finally:
            doc_module = sys.modules.get("parsers.formats.doc")
            if doc_module is not None:  # os._exit skips atexit: remove a profile made here
                doc_module._discard_profile()
            os._exit(code)
    os.close(write_fd)
    chunks: list[bytes] = []
    end = time.monotonic() + limits.max_seconds + 1.0
    timed_out = False
    try:
        while True:
            left = end - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([read_fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        if timed_out:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _, status = os.waitpid(pid, 0)
    if timed_out:
        return failed(fmt, where, f"reading took longer than {limits.max_seconds:g} s; stopped")
    if not chunks:
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            why = "CPU time limit" if sig == signal.SIGXCPU else f"signal {sig}"
            return failed(fmt, where, f"reader was killed ({why}); document too costly or hostile")
        return failed(fmt, where, "reader failed without a result (memory limit or crash)")
    try:
        return pickle.loads(b"".join(chunks))
    except Exception as exc:
        return failed(fmt, where, f"reader result unreadable ({exc})")
