"""Shared test set-up. Fixtures live in topic modules registered here as plugins."""

pytest_plugins = [
    "tests.fixtures_site",
    "tests.fixtures_db",
]
