"""Reports: one model (model.py) and its writers: JSON (schema in docs/), text, CSV, HTML,
the worklist, the 999 and 277CA acknowledgments."""
