"""HTTP to the child's own loopback ports (daprd's health and shutdown URLs), in one place.

Proxies from the environment never apply: HTTP_PROXY is for the child's traffic to AWS,
and a proxy would answer for a daprd that is not there.
"""

from __future__ import annotations


def status_of(url: str, method: str = "GET", timeout: float = 1.0) -> int | None:
    """The HTTP status `url` answers with (errors included), or None when nothing answers."""
    import urllib.error
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with opener.open(request, timeout=timeout) as reply:
            return reply.status
    except urllib.error.HTTPError as e:
        return e.code
    except (OSError, ValueError):  # refused, reset, timed out; or a URL urllib cannot use
        return None


def answers_2xx(url: str, method: str = "GET", timeout: float = 1.0) -> bool:
    status = status_of(url, method, timeout)
    return status is not None and 200 <= status < 300
