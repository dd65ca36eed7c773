"""Known-repository pipeline: manifest -> fetch at pinned refs -> convert -> launch scripts -> hand-written patches
-> reviewable output (a git repository per repo, patch files, lock, env.sh, report)."""
from mscore.pipeline.errors import PipelineError

__all__ = ["PipelineError"]
