"""mscore: convert PyTorch / torch_npu source code to MindSpore source code."""

__version__ = "0.1.0"

_CODE_DIGEST: list[str] = []


def code_digest() -> str:
    """A digest of mscore's own source: caches and no-op checks key on it, so a development checkout whose code
    changed is never served results of the old code even when the version number did not move."""
    if not _CODE_DIGEST:
        import hashlib
        from pathlib import Path

        root = Path(__file__).resolve().parent
        h = hashlib.sha256()
        for p in sorted(root.rglob("*.py")):
            if "__pycache__" not in p.parts:
                h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
        _CODE_DIGEST.append(h.hexdigest())
    return _CODE_DIGEST[0]
