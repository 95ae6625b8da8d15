"""`npm run carry-over`: a retrained report model keeps the image reader, the lesion map and the mirror check (networks
that read pixels), with the parts that read the image reader alone, and refuses what would feed them other pixels or
draw the map on another grid than the folder's heatmaps."""
import json
import tempfile
import unittest
from pathlib import Path

from training.carry_over import CarryOverError, carry_over, main
from training.export import random_tiny
from training.manifest import file_entry
from training.mirror_check import random_mirror_check


def donor(d, probe_feature="image_reader", reader_feature="image_tokens_mean"):
    """A random tiny folder given an image reader, a lesion map, a mirror check, a subtype probe and a finding reader."""
    random_tiny(d, quantize=False, verify=False)
    random_mirror_check(d)
    onnx_dir = Path(d) / "onnx"
    (onnx_dir / "image_reader_int8.onnx").write_bytes(b"image reader bytes")
    (onnx_dir / "lesion_map_int8.onnx").write_bytes(b"lesion map bytes")
    manifest = json.loads((Path(d) / "manifest.json").read_text())
    manifest["image_reader"] = {**file_entry(d, onnx_dir / "image_reader_int8.onnx"), "findings": ["consolidation"]}
    manifest["lesion_map"] = {**file_entry(d, onnx_dir / "lesion_map_int8.onnx"), "grid": [8, 8], "min_peak": 0.25}
    manifest["subtype_probe"] = {"feature": probe_feature, "weights": [1.0], "margin": 0.2}
    manifest["finding_reader"] = {"feature": reader_feature, "findings": ["consolidation"]}
    manifest["decoding"].update(subtype_gate=1, subtype_name=1)
    (Path(d) / "manifest.json").write_text(json.dumps(manifest))
    return manifest


def manifest_of(d):
    return json.loads((Path(d) / "manifest.json").read_text())


class CarryOverTest(unittest.TestCase):
    def test_copies_both_networks_and_the_probe_that_reads_the_image_reader(self):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            src = donor(a)
            random_tiny(b, seed=1, quantize=False, verify=False)
            written = carry_over(a, b)
            self.assertEqual(written, ["image_reader", "lesion_map", "mirror_check", "subtype_probe"])
            self.assertEqual((Path(b) / "onnx" / "lesion_map_int8.onnx").read_bytes(), b"lesion map bytes")
            got = manifest_of(b)
            origin = {"id": src["id"], "version": src["version"]}
            for part in ("image_reader", "lesion_map", "mirror_check", "subtype_probe"):
                self.assertEqual(got[part], {**src[part], "copied_from": origin}, part)
            self.assertEqual((got["decoding"]["subtype_gate"], got["decoding"]["subtype_name"]), (1, 1))
            self.assertNotIn("finding_reader", got, "a reader on the donor's image tokens must be refitted, not copied")

    def test_a_finding_reader_on_the_image_reader_comes_along_and_one_part_alone_leaves_the_rest(self):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            donor(a, probe_feature="tower_patch_mean", reader_feature="image_reader")
            random_tiny(b, seed=1, quantize=False, verify=False)
            self.assertEqual(carry_over(a, b, ["image_reader"]), ["image_reader", "finding_reader"])
            got = manifest_of(b)
            self.assertNotIn("lesion_map", got)
            self.assertNotIn("subtype_probe", got, "a probe on the towers comes with the towers (export-similarity)")
            self.assertFalse((Path(b) / "onnx" / "lesion_map_int8.onnx").exists())

    def test_refuses_other_pixels_a_missing_part_a_damaged_file_and_another_grid_before_writing(self):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            donor(a)
            random_tiny(b, seed=1, quantize=False, verify=False)
            before = (Path(b) / "manifest.json").read_text()
            other = manifest_of(b)
            other["preprocessing"]["image_size"] = 256
            (Path(b) / "manifest.json").write_text(json.dumps(other))
            with self.assertRaisesRegex(CarryOverError, "preprocessed as .*'image_size': 128.* but .* uses .*256"):
                carry_over(a, b)
            (Path(b) / "manifest.json").write_text(before)
            with self.assertRaisesRegex(CarryOverError, "unknown part"):
                carry_over(a, b, ["towers"])
            (Path(a) / "onnx" / "lesion_map_int8.onnx").write_bytes(b"changed")
            with self.assertRaisesRegex(CarryOverError, "lesion_map_int8.onnx is missing or does not match its manifest's sha256"):
                carry_over(a, b)
            self.assertFalse((Path(b) / "onnx" / "image_reader_int8.onnx").exists(), "the sound part was not copied either")
            self.assertEqual((Path(b) / "manifest.json").read_text(), before, "nothing written on a refusal")
            self.assertEqual(main(["--from-model", b, "--model", a]), 2, "a folder without the parts: exit 2")
            (Path(a) / "onnx" / "lesion_map_int8.onnx").write_bytes(b"lesion map bytes")
            towers = manifest_of(b)
            towers["similarity"] = {"grid": [16, 16]}  # towers on a finer grid than the map's 8 × 8
            (Path(b) / "manifest.json").write_text(json.dumps(towers))
            with self.assertRaisesRegex(CarryOverError, r"lesion map is on a \[8, 8\] grid but .* maps are \[16, 16\]; carry the towers"):
                carry_over(a, b)
            self.assertEqual(carry_over(a, b, ["image_reader"])[0], "image_reader", "the image reader has no grid")


if __name__ == "__main__":
    unittest.main()
