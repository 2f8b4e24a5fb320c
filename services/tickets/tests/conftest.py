"""Fixtures of tickets' rule tests (no broker): a session on tickets' tables and the
injectable clock at a fixed Tuesday morning in Shanghai."""
import pytest

from kernel.clock import ManualClock
from kernel.testing import domain_session
from services.tickets.models import Base


@pytest.fixture
def session():
    with domain_session(Base) as s:
        yield s


@pytest.fixture
def clock():
    return ManualClock("2026-11-24T09:00:00+08:00")   # 01:00 UTC
