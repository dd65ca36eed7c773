import torch
import torch.nn as nn

from pkg.util import helper


class Block(nn.Module):
    def forward(self, x):
        y = torch.cat([x, x], dim=0)
        buf = torch.zeros(2, 3)
        torch.zeros(2, out=buf)
        return helper(y)[: x.size(0)] + buf.sum()
