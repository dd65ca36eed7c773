"""The rewrite engine: ast locates what must change, libcst rewrites it, text outside stays byte-identical."""

# What a conversion leaves unconverted is marked for a person ("native") or left for the MSAdapter torch shim
# ("msadapter"). Defined here, not in the engine, so the pipeline's no-op check can validate a profile without
# importing libcst.
PROFILES = ("native", "msadapter")
