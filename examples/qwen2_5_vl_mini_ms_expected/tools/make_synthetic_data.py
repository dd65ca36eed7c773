"""Write a small LLaVA-Instruct-style dataset: coloured shapes on plain backgrounds, one question each.

    python tools/make_synthetic_data.py OUT_DIR --num 8 --seed 0
writes OUT_DIR/images/*.png and OUT_DIR/llava_instruct.json.
"""
import argparse
import json
import os
import random

from PIL import Image, ImageDraw

COLORS = {"red": (220, 40, 40), "green": (40, 180, 60), "blue": (40, 70, 220), "yellow": (230, 210, 40)}
SHAPES = ("square", "circle")
SIZES = ((32, 32), (32, 48), (48, 32), (24, 40))  # multiples of patch_size * merge_size = 8


def make_image(rng, color, shape, size):
    width, height = size
    bg = tuple(rng.randint(0, 60) for _ in range(3))
    image = Image.new("RGB", (width, height), bg)
    draw = ImageDraw.Draw(image)
    x0, y0 = rng.randint(0, width // 3), rng.randint(0, height // 3)
    x1, y1 = x0 + width // 2, y0 + height // 2
    if shape == "square":
        draw.rectangle([x0, y0, x1, y1], fill=COLORS[color])
    else:
        draw.ellipse([x0, y0, x1, y1], fill=COLORS[color])
    return image


def main(argv=None):
    p = argparse.ArgumentParser(description="write a tiny synthetic LLaVA-Instruct dataset")
    p.add_argument("out_dir")
    p.add_argument("--num", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    rng = random.Random(args.seed)
    os.makedirs(os.path.join(args.out_dir, "images"), exist_ok=True)
    records = []
    for i in range(args.num):
        color, shape = rng.choice(sorted(COLORS)), rng.choice(SHAPES)
        size = SIZES[i % len(SIZES)]
        name = f"{i:05d}.png"
        make_image(rng, color, shape, size).save(os.path.join(args.out_dir, "images", name))
        records.append({
            "id": f"{i:05d}",
            "image": name,
            "conversations": [
                {"from": "human", "value": "<image>\nWhat is in the picture?"},
                {"from": "gpt", "value": f"A {color} {shape}."},
            ],
        })
    # one text-only record, as LLaVA-Instruct mixes them in (placed so it shares a batch with an image record)
    records.insert(min(3, len(records)), {
        "id": "text-0",
        "conversations": [
            {"from": "human", "value": "Name a colour."},
            {"from": "gpt", "value": "Blue."},
        ],
    })
    with open(os.path.join(args.out_dir, "llava_instruct.json"), "w", encoding="utf-8") as f:
        json.dump(records, f, indent=1)
    print(f"wrote {len(records)} records to {args.out_dir}")


if __name__ == "__main__":
    main()
