"""Benchmarks of dapr-aws, printed as figures (medians), optionally written to docs/.

    scripts/bench [--runs N] [--load-seconds S] [--write-docs] [--no-peers]

* start-up to child exec: dapr-aws, aws-export-credentials --exec and the AWS CLI v2
  route (`aws configure export-credentials` + exec), on a static and a credential_process
  profile, with the floors `python -c pass`, `python -c "import botocore.session"` and /bin/true;
* start-up with IAM Roles Anywhere (RSA and EC keys) through a local CreateSession;
* the real daprd to healthy, alone and under dapr-aws, and the launcher's memory beside daprd's;
* resident memory while supervising; CPU while waiting (a 3-s drain, 10 s idle) and the refresher's
  upstream attempts per credentials (scripts/benchsuper.py); how fast resolution gives up on an IMDS
  that never answers;
* the credential endpoint under wrk (8 keep-alive clients, one slow client connected),
  against aws-export-credentials --container, for credentials living 1 hour and 5 minutes,
  with the upstream calls each makes and its resident memory;
* a soak chart (docs/soak.png): the lifetime left on the credentials a child sees, over
  refreshes (endpoint mode) and restarts (env mode).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchdapr  # noqa: E402
import benchlib  # noqa: E402
import benchra  # noqa: E402
import benchsuper  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
READING = """
Reading the figures: the machine is a shared 2-core VM and absolute times drift between runs
(the bench interleaves its runs so that drift hits every command alike); compare within a
table. Goals: start-up at most 1.0x aws-export-credentials' and at least 2x faster than the
AWS CLI route; the endpoint at least the peer's throughput with 1-hour credentials and 100x
with 5-minute ones, with zero upstream calls per request. aws-export-credentials 0.18 runs in
its own virtualenv with botocore < 1.37 (it crashes with newer ones); its container server
answers one request at a time, so a single slow client stops it (the last-but-one column).
With IAM Roles Anywhere the start-up adds importing cryptography (the second row of that
table), reading and checking the certificate and key (an RSA key's consistency check takes
about 50 ms on this machine; EC keys need none), signing, and one CreateSession round trip
on loopback to a stand-in that verifies the signature.
The real daprd (scripts/benchdapr.py) is timed from the first exec to its first healthz 204:
what dapr-aws adds is about its own start-up to the child's exec (the first table), plus, in
endpoint mode, daprd's first credential fetch from the endpoint during its components' Init.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--load-seconds", type=int, default=10)
    parser.add_argument("--peer", default=None, help="aws-export-credentials to compare with")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--write-docs", action="store_true", help="write docs/benchmarks.md and docs/soak.png")
    args = parser.parse_args()
    launcher = shutil.which("dapr-aws", path=os.path.dirname(sys.executable))
    peer = None if args.no_peers else args.peer
    cli = "/usr/bin/aws" if os.path.exists("/usr/bin/aws") and not args.no_peers else None
    report = benchlib.Report()
    with tempfile.TemporaryDirectory() as home_dir:
        home = Path(home_dir)
        env = benchlib.make_home(home)
        benchlib.startup(report, env, args.runs, launcher, peer, cli)
        benchra.startup(report, env, home, args.runs, launcher)
        benchdapr.startup(report, env, max(3, args.runs // 3), launcher)
        benchlib.memory(report, env, launcher)
        benchsuper.cpu_while_waiting(report, env, home, launcher)
        benchsuper.upstream_attempts(report)
        benchlib.imds_give_up(report, env, launcher)
        for lifetime in (3600, 300):
            benchlib.endpoint_load(report, env, home, launcher, peer, lifetime, args.load_seconds)
        if args.write_docs:
            chart = ROOT / "docs" / "soak.png"
            benchlib.soak_chart(env, home, launcher, chart)
            report.line(f"soak chart written to {chart.relative_to(ROOT)}")
    if args.write_docs:
        machine = (f"{platform.machine()}, {os.cpu_count()} cores, {benchlib.cpu_model()}, "
                   f"Python {platform.python_version()}, {platform.system()} {platform.release()}")
        shown = [a for i, a in enumerate(sys.argv[1:]) if a != "--peer" and (i == 0 or sys.argv[i] != "--peer")]
        report.write_markdown(ROOT / "docs" / "benchmarks.md", machine, " ".join(["scripts/bench", *shown]),
                              READING)


if __name__ == "__main__":
    main()
