"""BMA-style performance reporting toolkit: generate templates, validate returns, merge a master."""

__version__ = "0.1.0"
#: version 2 added per-quarter evidence (KPIQuarters.evidence); see toolkit/read/migrate.py.
SCHEMA_VERSION = 2
