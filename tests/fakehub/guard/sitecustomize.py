"""Loaded by the subprocesses the sync tests run: any connection to a host other than loopback ends the process at once.

Host names under `.invalid` (reserved, never resolvable) fail as a DNS error instead, to test that failure offline.
"""

import os
import socket
import sys

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
BLOCKED_STATUS = 97
_getaddrinfo = socket.getaddrinfo
_connect = socket.socket.connect


def _refuse(host: object) -> None:
    sys.stderr.write(f"fakehub guard: blocked a request to non-loopback host {host!r}\n")
    sys.stderr.flush()
    os._exit(BLOCKED_STATUS)


def _guarded_getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
    name = host.decode() if isinstance(host, bytes) else host
    if name is None or name in LOOPBACK:
        return _getaddrinfo(host, *args, **kwargs)
    if str(name).endswith(".invalid"):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    _refuse(name)


def _guarded_connect(self, address):  # type: ignore[no-untyped-def]
    if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in LOOPBACK:
        _refuse(address[0])
    return _connect(self, address)


socket.getaddrinfo = _guarded_getaddrinfo
socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
