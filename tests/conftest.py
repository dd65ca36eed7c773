"""Root test configuration: options that must be registered by an initial conftest (see mscore.parity)."""
from mscore.parity.pytest_plugin import pytest_addoption, pytest_report_header  # noqa: F401 - pytest hooks
