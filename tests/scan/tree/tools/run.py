import torch.nn as nn

from pkg.extra import f

act = nn.LeakyReLU(0.2)
print(f(act))
