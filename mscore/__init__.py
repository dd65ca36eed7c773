"""mscore: convert PyTorch / torch_npu source code to MindSpore source code."""

__version__ = "0.1.0"
