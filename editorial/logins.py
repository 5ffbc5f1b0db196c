"""Failed logins and lockouts as structured log events, for whoever watches the logs.

django-axes counts the failures and locks out; its own log lines are prose. These two
receivers add one event each with the username tried and the address axes counts it against.
"""

from __future__ import annotations

import logging
from typing import Any

from axes.helpers import get_client_ip_address, get_client_username
from django.http import HttpRequest

logger = logging.getLogger("editorial.logins")


def _address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # The address axes locks out: the connection's own unless a trusted proxy header is set.
    return getattr(request, "axes_ip_address", None) or get_client_ip_address(request)


def log_login_failed(
    sender: object,
    credentials: dict[str, Any],
    request: HttpRequest | None = None,
    **kwargs: object,
) -> None:
    # The username is whatever was typed: %r keeps even the plain log format on one line.
    username = get_client_username(request, credentials) if request else credentials.get("username")
    address = _address(request)
    logger.warning(
        "login failed username=%r ip=%s",
        username,
        address,
        extra={"event": "login_failed", "username": username, "ip": address},
    )


def log_locked_out(
    sender: object, request: HttpRequest, username: str | None, ip_address: str, **kwargs: object
) -> None:
    logger.warning(
        "login locked out username=%r ip=%s",
        username,
        ip_address,
        extra={"event": "login_locked_out", "username": username, "ip": ip_address},
    )
