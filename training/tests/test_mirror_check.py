"""The mirror check: its score is antisymmetric (a film and its mirror image score opposite), its threshold comes from
the val films, its rates count both ways, and its export is what the engine reads (names from modelIO.json, the file's
logits equal PyTorch's, a manifest entry with the file's hash)."""
import hashlib
import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

from training.export import random_tiny
from training.mirror_check import MirrorCheck, MirrorCheckConfig, main, random_mirror_check, rates, threshold_for, train
from training.modelio import load_model_io
from training.ort_node import run_onnx


class MirrorCheckTest(unittest.TestCase):
    def test_a_film_and_its_mirror_image_score_opposite(self):
        torch.manual_seed(0)
        model = MirrorCheck(MirrorCheckConfig()).eval()
        x = torch.randn(3, 1, 128, 128)
        with torch.no_grad():
            torch.testing.assert_close(model(x.flip(3)), -model(x), atol=1e-5, rtol=0)
            self.assertFalse(torch.allclose(model(x), torch.zeros(3)), "a random film is not exactly on the fence")

    def test_training_learns_which_side_the_bright_half_is_on(self):
        # films brighter on the image's right; their mirror images are brighter on the left
        rng = np.random.default_rng(0)
        films = rng.integers(0, 100, (256, 128, 128)).astype(np.uint8)
        films[:, :, 64:] += 120
        torch.manual_seed(0)
        model = MirrorCheck(MirrorCheckConfig(epochs=3, batch_size=32))
        train(model, films, model.cfg, 0.5, 0.25, log=lambda _: None)
        x = torch.from_numpy(films[:16]).float()[:, None] / 255
        with torch.no_grad():
            scores = model.eval()((x - 0.5) / 0.25)
        self.assertTrue(bool((scores < 0).all()), f"films as given scored as mirrored: {scores}")

    def test_the_threshold_and_the_rates(self):
        val = np.array([-3.0, -2.0, -1.0, 0.5, 2.0])
        self.assertAlmostEqual(threshold_for(val, 0.2), float(np.quantile(val, 0.8)))
        self.assertEqual(threshold_for(np.array([-3.0, -2.0]), 0.01), 0.0, "never below 0")
        got = rates(np.array([-3.0, 2.0, -0.5, -4.0]), np.array(["a", "a", "b", "b"]), 1.0)
        self.assertEqual(got["a"], {"n": 2, "real_flagged": 0.5, "mirrored_caught": 0.5})
        self.assertEqual(got["b"], {"n": 2, "real_flagged": 0.0, "mirrored_caught": 0.5})
        self.assertEqual(got["all"]["mirrored_caught"], 0.5)

    def test_the_export_is_what_the_engine_reads(self):
        with tempfile.TemporaryDirectory() as d:
            random_tiny(d, quantize=False, verify=False)
            entry, diff = random_mirror_check(d, threshold=1.5)
            names = load_model_io()["mirrorCheck"]
            path = Path(d) / entry["path"]
            self.assertEqual(entry["path"], f"onnx/{load_model_io()['files']['mirrorCheck']}.onnx")
            self.assertEqual(entry["sha256"], hashlib.sha256(path.read_bytes()).hexdigest())
            self.assertEqual(json.loads((Path(d) / "manifest.json").read_text())["mirror_check"]["threshold"], 1.5)
            self.assertLess(diff, 1e-3)
            x = np.random.default_rng(1).standard_normal((3, 1, 128, 128)).astype(np.float32)
            out = run_onnx([(path, {names["inputs"]["pixels"]: np.concatenate([x, x[:, :, :, ::-1]])})])[0][names["outputs"]["score"]]
            self.assertEqual(out.shape, (6,))
            np.testing.assert_allclose(out[3:], -out[:3], atol=1e-4)

    def test_write_refuses_a_folder_that_reads_other_pixels(self):
        with tempfile.TemporaryDirectory() as d:
            corpus = Path(d) / "corpus"
            (corpus / "train").mkdir(parents=True)
            (corpus / "val").mkdir()
            (corpus / "test").mkdir()
            (corpus / "meta.json").write_text(json.dumps({"format": "serpent-corpus", "image_size": 128, "pixel_mean": 0.4, "pixel_std": 0.25}))
            rng = np.random.default_rng(0)
            for split in ("train", "val", "test"):
                np.save(corpus / split / "pixels.npy", rng.integers(0, 255, (64, 128, 128)).astype(np.uint8))
                (corpus / split / "records.jsonl").write_text("".join(json.dumps({"source": "s"}) + "\n" for _ in range(64)))
            model = Path(d) / "model"
            random_tiny(model, quantize=False, verify=False)
            with self.assertRaisesRegex(SystemExit, "normalised by 0.5, 0.25; the corpus .* has 128, 0.4, 0.25"):
                main(["--corpus", str(corpus), "--model", str(model), "--epochs", "1", "--out", str(Path(d) / "run"), "--write"])
            self.assertNotIn("mirror_check", json.loads((model / "manifest.json").read_text()))


if __name__ == "__main__":
    unittest.main()
