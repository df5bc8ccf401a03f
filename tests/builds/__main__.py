"""`python -m tests.builds [NAME ...]`: build what is missing, one line per artifact.

Exits 0 even when some builds fail: the tests that need them skip with the cause.
"""

import sys
import time

from tests.builds import CACHE, Unavailable, all_artifacts


def main(names: list[str]) -> int:
    artifacts = all_artifacts()
    unknown = [n for n in names if n not in artifacts]
    if unknown:
        print(f"builds: unknown {', '.join(unknown)}; known: {', '.join(artifacts)}", file=sys.stderr)
        return 2
    for name in names or artifacts:
        started = time.monotonic()
        try:
            path, cached = artifacts[name].ensure()
        except Unavailable as e:
            print(f"builds: {name}: unavailable: {e}", flush=True)
            continue
        how = "cached" if cached else f"built in {time.monotonic() - started:.0f}s"
        print(f"builds: {name}: {how}: {path}", flush=True)
    print(f"builds: cache {CACHE}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
