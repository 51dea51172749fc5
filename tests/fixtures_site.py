"""Fixtures for the local sample-site server (``scraper.sample_site``).

``sample_server`` is one server for the whole session (default options); tests that add
faults must remove them (``sample_server.faults.injected(...)``, or call ``reset()``).
``sample_server_factory`` starts extra servers with other ``SiteOptions``, stopped at the
end of the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from scraper.sample_site.model import SiteOptions
from scraper.sample_site.server import SampleSiteServer


@pytest.fixture(scope="session")
def sample_server() -> Iterator[SampleSiteServer]:
    """The sample site on a free local port, shared by the session."""
    with SampleSiteServer() as server:
        yield server


@pytest.fixture
def clean_sample_server(sample_server: SampleSiteServer) -> Iterator[SampleSiteServer]:
    """The shared server with no faults and an empty log, reset again afterwards."""
    sample_server.reset()
    yield sample_server
    sample_server.reset()


@pytest.fixture
def sample_server_factory() -> Iterator[Callable[..., SampleSiteServer]]:
    """Start servers with given ``SiteOptions`` fields; all are stopped after the test."""
    started: list[SampleSiteServer] = []

    def start(**options: object) -> SampleSiteServer:
        server = SampleSiteServer(SiteOptions(**options)).start()  # type: ignore[arg-type]
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
