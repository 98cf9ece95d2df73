"""Report tests: the ``chromium`` marker (a real headless browser; required on CI)."""

from __future__ import annotations

import os

import pytest
from report_browser import chromium_binary


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "chromium: needs the chromium browser (Debian package)")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("chromium") and chromium_binary() is None:
        reason = "chromium is not on PATH (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run this test but {reason}", pytrace=False)
        pytest.skip(reason)
