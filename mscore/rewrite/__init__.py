"""The rewrite engine: ast locates what must change, libcst rewrites it, text outside stays byte-identical."""
