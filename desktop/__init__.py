"""Promptpress: write, compare, version, test and publish signed prompt releases."""

__version__ = "0.1.0"
