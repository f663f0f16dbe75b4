"""Developer tools that do not ship in the wheel: the synthetic 837P generator (``synth``) the
tests, the benchmarks and ``fixtures/sample/make_sample.py`` build their files with."""
