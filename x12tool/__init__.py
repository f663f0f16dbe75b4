"""x12tool: preflight for outgoing 837P (005010X222A1) outpatient therapy claims."""

__version__ = "0.1.0"
