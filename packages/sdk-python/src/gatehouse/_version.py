"""The package's version, sent as ``x-gatehouse-sdk`` on every call."""

VERSION = "0.1.0"
