"""Carries the image reader, the lesion map and the mirror check of one exported model folder into another.

Each is a network of its own (the first two ImageNet MobileNetV2, fine-tuned): they read the model's normalised input pixels, not
the report model's image tokens, so a retrained report model with the same preprocessing keeps them. The similarity
towers and the OOD detector have their own `--from-model` (export-similarity, export-ood); this is the same for these
three, so a retrained folder gets every part the donor has without retraining any (`npm run complete-model`).

    npm run carry-over -- --from-model public/models/serpent-cxr --model runs/NEW [--parts image_reader,lesion_map,mirror_check]

With the image reader come the parts that read only it: the subtype probe on its P(consolidation) (`subtype_probe`,
with the donor's decoding settings subtype_gate and subtype_name) and a finding reader whose feature is
`image_reader`. A finding reader on the report model's image tokens is not copied: refit it (`npm run
finding-reader`). Each copied entry records where it came from (`copied_from`)."""
import argparse
import hashlib
import sys
from pathlib import Path

from .manifest import copy_model_file, read_manifest_pair, require_same_pixels, write_manifest

PARTS = ("image_reader", "lesion_map", "mirror_check")


class CarryOverError(Exception):
    """A part cannot be carried over: missing in the donor, or fed other pixels."""


def carry_over(src_dir, model_dir, parts=None):
    """Copies `parts` (files and manifest entries; by default every part src_dir has) from src_dir into model_dir → the
    names of the entries written. Everything is checked before anything is written."""
    src_manifest, manifest = read_manifest_pair(src_dir, model_dir, CarryOverError)
    parts = [p for p in PARTS if p in src_manifest] if parts is None else parts
    if not parts:
        raise CarryOverError(f"{src_dir} has none of {', '.join(PARTS)} to carry over")
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        raise CarryOverError(f"unknown part(s) {unknown}; choose from {list(PARTS)}")
    missing = [p for p in parts if p not in src_manifest]
    if missing:
        raise CarryOverError(f"{src_dir} has no {' or '.join(missing)} to carry over")
    require_same_pixels(src_manifest, manifest, model_dir, CarryOverError, f"{', '.join(parts)} read pixels preprocessed as",
                        "retrain them for it (`npm run image-reader`, `npm run lesion-map`, `npm run mirror-check`)")
    if "lesion_map" in parts:
        grid, maps = src_manifest["lesion_map"].get("grid"), map_grid(manifest)
        if grid != maps:
            raise CarryOverError(f"the lesion map is on a {grid} grid but {model_dir}'s maps are {maps}; carry the towers over "
                                 "first (`npm run export-similarity -- --from-model`: their grid is the maps'), or retrain "
                                 "it for this model (`npm run lesion-map -- --write`)")
    for part in parts:
        path = Path(src_dir) / src_manifest[part]["path"]
        if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != src_manifest[part]["sha256"]:
            raise CarryOverError(f"{path} is missing or does not match its manifest's sha256; re-export {src_dir}")
    origin = {"id": src_manifest["id"], "version": src_manifest["version"]}
    written = []
    for part in parts:
        entry = dict(src_manifest[part])
        entry.update(copy_model_file(src_dir, model_dir, src_manifest[part], CarryOverError))
        manifest[part] = {**entry, "copied_from": origin}
        written.append(part)
    if "image_reader" in parts:
        written += _readers_of_image_reader(src_manifest, manifest, origin)
    write_manifest(model_dir, manifest)
    return written


def map_grid(manifest):
    """The grid of a folder's heatmaps: its similarity towers' when it has them, else its image tokens'."""
    return manifest.get("similarity", {}).get("grid") or manifest["preprocessing"].get("grid")


def _readers_of_image_reader(src_manifest, manifest, origin):
    """The donor's parts that read the image reader alone, into manifest → their names."""
    written = []
    probe = src_manifest.get("subtype_probe")
    if probe is not None and probe.get("feature") == "image_reader":
        manifest["subtype_probe"] = {**probe, "copied_from": origin}
        decoding = manifest.setdefault("decoding", {})
        for key in ("subtype_gate", "subtype_name"):
            if key in src_manifest.get("decoding", {}):
                decoding[key] = src_manifest["decoding"][key]
        written.append("subtype_probe")
    reader = src_manifest.get("finding_reader")
    if reader is not None and reader.get("feature") == "image_reader":
        manifest["finding_reader"] = {**reader, "copied_from": origin}
        written.append("finding_reader")
    return written


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--from-model", required=True, help="exported model folder that has the parts")
    ap.add_argument("--model", required=True, help="exported model folder to add them to")
    ap.add_argument("--parts", default=None, help=f"comma-separated, from {','.join(PARTS)} (default: all the donor has)")
    args = ap.parse_args(argv)
    try:
        written = carry_over(args.from_model, args.model, [p for p in args.parts.split(",") if p] if args.parts else None)
    except CarryOverError as e:
        print(f"carry-over: {e}", file=sys.stderr)
        return 2
    print(f"carried {', '.join(written)} from {args.from_model} into {args.model}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
