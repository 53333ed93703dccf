"""Turn what people type into typed values, keeping the raw value for the report."""
