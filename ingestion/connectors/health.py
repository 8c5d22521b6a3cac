"""The "test connection" check of an integration: the connector's own when it has one
(`HealthCheck`), else the default, which is the config validating against the connector's model.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ingestion.connectors.base import ConnectorSpec
from ingestion.connectors.capabilities import Connection, HealthCheck
from store.base import utcnow
from store.errors import SwitchboardError

log = logging.getLogger(__name__)
CHECK_TIMEOUT_S = 20.0
DEFAULT_DETAIL = "configuration is valid ({name} has no live credential check)"


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str
    checked_at: datetime = field(default_factory=utcnow)


async def run_check(spec: ConnectorSpec, open_connection: Callable[[], Connection]) -> CheckResult:
    """Never raises: every failure is a result. Details are our own errors' messages (written
    for operators, without secrets), never a raw provider exception's text."""
    try:
        conn = open_connection()  # decrypts and validates the stored config
    except SwitchboardError as exc:
        return CheckResult(ok=False, detail=exc.message)
    try:
        connector = spec.connector() if spec.factory is not None else None
        if not isinstance(connector, HealthCheck):
            return CheckResult(ok=True, detail=DEFAULT_DETAIL.format(name=spec.name))
        detail = await asyncio.wait_for(connector.check(conn), CHECK_TIMEOUT_S)
        return CheckResult(ok=True, detail=detail)
    except SwitchboardError as exc:
        return CheckResult(ok=False, detail=exc.message)
    except TimeoutError:
        return CheckResult(
            ok=False, detail=f"{spec.name} did not answer within {CHECK_TIMEOUT_S:g} s"
        )
    except Exception as exc:  # a connector bug must not become a 500 on a diagnostic route
        log.exception("connection check of a %s integration failed", spec.slug)
        return CheckResult(ok=False, detail=f"the check failed unexpectedly ({type(exc).__name__})")
    finally:
        if conn.http is not None:
            await conn.http.aclose()
