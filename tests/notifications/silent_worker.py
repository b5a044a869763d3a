"""A stand-in render process that reads its requests and never answers (tests of the
render processes' time limit, tests/notifications/test_document_parallel_parts.py)."""

import sys
import time

if __name__ == "__main__":
    sys.stdin.buffer.read(1)
    time.sleep(60)
