"""One command run over input files: the session (rules and services), the claim loop, the
money step and the outputs (split, re-validated, written atomically)."""
