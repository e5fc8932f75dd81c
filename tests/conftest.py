"""Shared fixtures."""

import pytest

from comparisons import catalogue


@pytest.fixture
def seed_net():
    """The seed network's catalogue entry."""
    return catalogue.get("seed_net")
