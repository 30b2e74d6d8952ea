import pytest

from tests.articles.feed_server import FeedServer


@pytest.fixture
def feed_server():
    """A loopback HTTP server (see feed_server.py); routes are set per test."""
    with FeedServer() as server:
        yield server
