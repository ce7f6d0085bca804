"""Fixtures of the domain tests (``etj_sim.domain``): a fresh small world per test."""

from __future__ import annotations

import pytest
from domain_world import World, build_world


@pytest.fixture
def world() -> World:
    return build_world()
