import torch


def f(x):
    with torch.enable_grad():
        return x * 2
