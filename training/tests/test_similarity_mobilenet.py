"""Towers with their own eyes: the frozen MobileNetV2 features that `npm run tower-features` writes are the ones the
exported image file computes from the vision encoder's normalised pixels, and the export says so in the manifest."""
import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from training.mobilenet_v2 import MobileNetV2, grey_to_input
from training.similarity import SimilarityConfig, SimilarityTowers
from training.similarity_export import SimilarityExportError, add_towers
from training.similarity_mobilenet import IMAGE_INPUT, PixelFeatures, describe, write_split
from training.tests.corpus_fixture import write_synthetic_corpus

SIZE = 64  # upsampled size in these tests: a 4×4 grid


def features():
    torch.manual_seed(0)
    return PixelFeatures(MobileNetV2(), 0.5, 0.25, size=SIZE)  # random weights: the ImageNet file is data, not a test input


class PixelTowersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.root = Path(cls.tmp.name)
        cls.corpus = write_synthetic_corpus(cls.root / "corpus", sizes={"train": 6, "val": 3}, image_size=32)
        cls.features = features()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_features_are_the_networks_stride_16_grid_of_the_upsampled_input(self):
        x01 = torch.rand(2, 1, 32, 32)
        got = self.features((x01 - 0.5) / 0.25)  # [B,N,96]
        up = F.interpolate(x01, size=(SIZE, SIZE), mode="bilinear", align_corners=False)
        want = self.features.net.features(grey_to_input(up), 16)  # [B,96,4,4]
        self.assertEqual(tuple(got.shape), (2, 16, 96))
        torch.testing.assert_close(got[:, 5], want[:, :, 1, 1], atol=1e-4, rtol=1e-4)  # cell 5 = row 1, col 1

    def test_written_features_and_clean_only_links(self):
        out = self.root / "feats"
        write_split(self.features, self.corpus, out, "train", log=lambda *_: None, clean_only=True)
        write_split(self.features, self.corpus, out, "val", log=lambda *_: None)
        clean = np.load(out / "train" / "image_features.npy")
        px = np.load(self.corpus / "train" / "pixels.npy")
        self.assertEqual(clean.shape, (len(px), 16, 96))
        self.assertEqual(clean.dtype, np.float16)
        self.assertTrue((out / "train" / "image_features_noise.npy").is_symlink())
        with torch.no_grad():
            want = self.features((torch.from_numpy(px[:1].astype(np.float32) / 255)[:, None] - 0.5) / 0.25).numpy()
        np.testing.assert_allclose(clean[0].astype(np.float32), want[0], atol=2e-2, rtol=1e-2)
        self.assertEqual(describe(self.features), {"image_input": IMAGE_INPUT, "size": SIZE, "grid": 4,
                                                   "pixel_mean": 0.5, "pixel_std": 0.25})

    def _model_dir(self, name, mean=0.5):
        d = self.root / name
        d.mkdir(exist_ok=True)
        (d / "manifest.json").write_text(json.dumps({
            "architecture": {"n_image_tokens": 64, "d_model": 256, "vocab_size": 40},
            "preprocessing": {"image_size": 32, "pixel_mean": mean, "pixel_std": 0.25, "grid": [8, 8]}}))
        return d

    def _towers(self):
        torch.manual_seed(1)
        return SimilarityTowers(SimilarityConfig(d_image=96, n_image_tokens=16, vocab_size=40, embed_dim=16, d_text=32,
                                                 image_input=IMAGE_INPUT)).eval()

    def test_export_puts_the_eyes_in_the_image_file(self):
        d = self._model_dir("model")
        entry = add_towers(d, self._towers(), int8=False, pixel_features=self.features)  # raises if ONNX ≠ PyTorch
        self.assertEqual(entry["input"], "pixels")
        self.assertEqual(entry["grid"], [4, 4])
        self.assertEqual(json.loads((d / "manifest.json").read_text())["similarity"]["grid"], [4, 4])

    def test_export_refuses_features_of_other_pixels_or_none(self):
        with self.assertRaisesRegex(SimilarityExportError, "tower-features"):
            add_towers(self._model_dir("other-mean", mean=0.45), self._towers(), int8=False, pixel_features=self.features)
        with self.assertRaisesRegex(SimilarityExportError, "pixel features"):
            add_towers(self._model_dir("no-eyes"), self._towers(), int8=False)


if __name__ == "__main__":
    unittest.main()
