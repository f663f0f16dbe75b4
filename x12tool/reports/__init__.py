"""Reports: JSON (with a JSON Schema in docs/), text for billers."""
