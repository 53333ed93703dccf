"""BMA-style performance reporting toolkit: generate templates, validate returns, merge a master."""

__version__ = "0.1.0"
SCHEMA_VERSION = 1
