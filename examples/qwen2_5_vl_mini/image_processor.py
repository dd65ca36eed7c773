"""Image -> flattened patches, the Qwen2-VL way, with numpy and PIL only."""
import math

import numpy as np
from PIL import Image

IMAGE_MEAN = (0.48145466, 0.4578275, 0.40821073)
IMAGE_STD = (0.26862954, 0.26130258, 0.27577711)


def smart_resize(height, width, factor, min_pixels, max_pixels):
    """Nearest size whose sides are multiples of factor and whose area lies in [min_pixels, max_pixels]."""
    h_bar = max(factor, round(height / factor) * factor)
    w_bar = max(factor, round(width / factor) * factor)
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


class ImageProcessor:
    def __init__(self, patch_size=4, temporal_patch_size=2, merge_size=2, min_pixels=64, max_pixels=64 * 64):
        self.patch_size = patch_size
        self.temporal_patch_size = temporal_patch_size
        self.merge_size = merge_size
        self.min_pixels = min_pixels
        self.max_pixels = max_pixels

    def __call__(self, image):
        """Return (patches float32 (grid_t*grid_h*grid_w, C*T*P*P), grid_thw [t, h, w])."""
        if isinstance(image, str):
            image = Image.open(image)
        image = image.convert("RGB")
        factor = self.patch_size * self.merge_size
        height, width = smart_resize(image.height, image.width, factor, self.min_pixels, self.max_pixels)
        if (height, width) != (image.height, image.width):
            image = image.resize((width, height), resample=Image.BICUBIC)
        pixels = np.asarray(image, dtype=np.float32) / 255.0
        pixels = (pixels - np.array(IMAGE_MEAN, dtype=np.float32)) / np.array(IMAGE_STD, dtype=np.float32)
        pixels = pixels.transpose(2, 0, 1)[None]  # (T=1, C, H, W)
        # a still image is repeated to fill one temporal patch
        pixels = np.concatenate([pixels] * self.temporal_patch_size, axis=0)
        channel = pixels.shape[1]
        grid_t = pixels.shape[0] // self.temporal_patch_size
        grid_h, grid_w = height // self.patch_size, width // self.patch_size
        m, p, tp = self.merge_size, self.patch_size, self.temporal_patch_size
        patches = pixels.reshape(grid_t, tp, channel, grid_h // m, m, p, grid_w // m, m, p)
        # patch order: merge groups contiguous, so the merger can view (-1, m*m*dim)
        patches = patches.transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
        flat = patches.reshape(grid_t * grid_h * grid_w, channel * tp * p * p)
        return np.ascontiguousarray(flat, dtype=np.float32), [grid_t, grid_h, grid_w]
