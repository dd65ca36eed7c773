"""Convert LLaVA-Instruct JSON into the MLLM format that MindSpeed-MM's Qwen2.5-VL recipes read.

    python tools/llava_to_mllm.py llava_instruct.json --image-dir images --out mllm_format_llava_instruct_data.json

LLaVA record:  {"id", "image"?, "conversations": [{"from": "human"|"gpt", "value"}, ...]}
MLLM record:   {"images": [path, ...], "messages": [{"role": "user"|"assistant", "content"}, ...]}
Image paths are written relative to the output file's folder. Records whose image is missing are skipped
(and counted); an unknown speaker is an error.
"""
import argparse
import json
import os
import sys

ROLES = {"human": "user", "gpt": "assistant"}


def convert_records(records, image_dir, out_dir):
    converted, skipped = [], 0
    for n, item in enumerate(records):
        new_item = {"images": [], "messages": []}
        if item.get("image"):
            img_path = os.path.join(image_dir, item["image"])
            if not os.path.exists(img_path):
                skipped += 1
                continue
            new_item["images"].append(os.path.relpath(img_path, out_dir))
        for turn in item["conversations"]:
            role = ROLES.get(turn["from"])
            if role is None:
                raise ValueError(f"record {n} (id {item.get('id')!r}): unknown speaker {turn['from']!r}")
            new_item["messages"].append({"role": role, "content": turn["value"]})
        converted.append(new_item)
    return converted, skipped


def main(argv=None):
    p = argparse.ArgumentParser(description="LLaVA-Instruct JSON -> MLLM-format JSON")
    p.add_argument("llava_json")
    p.add_argument("--image-dir", required=True, help="folder the LLaVA 'image' names are relative to")
    p.add_argument("--out", required=True)
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    args = p.parse_args(argv)
    try:
        with open(args.llava_json, encoding="utf-8") as f:
            records = json.load(f)
        if os.path.exists(args.out) and not args.force:
            raise ValueError(f"{args.out} exists (pass --force to overwrite)")
        out_dir = os.path.dirname(os.path.abspath(args.out))
        converted, skipped = convert_records(records, args.image_dir, out_dir)
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(converted, f, ensure_ascii=False)
    os.replace(tmp, args.out)
    print(f"wrote {len(converted)} records to {args.out} ({skipped} skipped: image missing)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
