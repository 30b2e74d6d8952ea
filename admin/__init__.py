"""Editors' web pages: sign-in, dashboard, articles, related links, feeds, subscribers, digests, settings."""
