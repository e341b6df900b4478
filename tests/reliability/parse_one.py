"""``python -m tests.reliability.parse_one FILE``: parse one document as the indexer does and
print what came back, with the wall time and the peak memory of this process and its children
(the isolated PDF reader, LibreOffice). Run under RLIMIT_AS by the reliability tests."""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def main(path: str) -> None:
    from parsers.report import parse_document

    data = Path(path).read_bytes()
    start = time.monotonic()
    result = parse_document(data, url=f"http://www.example.test/files/{Path(path).name}")
    seconds = time.monotonic() - start
    # VmHWM is this image's own peak; ru_maxrss(SELF) would also count the forked test process
    # this one was exec'd from (Linux keeps the high-water mark across exec)
    hwm = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
               if line.startswith("VmHWM:"))
    peak_kb = max(hwm, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({"format": result.get("format"), "warnings": result.get("warnings") or [],
                      "text_chars": len(result.get("text") or ""), "pages": result.get("pages"),
                      "seconds": seconds, "peak_mb": peak_kb / 1024,
                      "output": json.dumps(result, ensure_ascii=False, default=str)},
                     ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
