"""Fixture package for the scan tests: importing it imports core, which imports util."""
from pkg import core  # noqa: F401
