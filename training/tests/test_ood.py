"""The out-of-distribution detector: negative generators, letterbox, training on a synthetic corpus, export."""
import contextlib
import io
import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

from training.export import random_tiny
from training.ood_detector import OodConfig, OodDetector, load_detector, parse_args, train
from training.ood_export import OodExportError, add_detector, copy_detector, verify_detector
from training.ood_images import FAMILIES, augment_positive, letterbox, negative
from training.tests.corpus_fixture import write_synthetic_corpus


class LetterboxTest(unittest.TestCase):
    def test_long_side_fills_and_the_rest_is_black_padding_centred(self):
        img = np.full((50, 100), 0.8, np.float32)  # landscape 2:1
        out = letterbox(img, 128)
        self.assertEqual(out.shape, (128, 128))
        self.assertEqual(out.dtype, np.uint8)
        # content 128×64 starting at row (128−64)//2 = 32, as src/image/preprocess.ts places it
        self.assertTrue((out[:32] == 0).all() and (out[96:] == 0).all())
        self.assertTrue((out[32:96] == round(0.8 * 255)).all())


class NegativesTest(unittest.TestCase):
    def setUp(self):
        self.chests = (np.random.default_rng(0).random((4, 128, 128)) * 255).astype(np.uint8)

    def test_every_family_gives_grey_images_in_range_and_is_seeded(self):
        for family in FAMILIES:
            a = negative(np.random.default_rng(3), family, self.chests)
            b = negative(np.random.default_rng(3), family, self.chests)
            self.assertEqual(a.ndim, 2, family)
            self.assertGreaterEqual(min(a.shape), 16, family)
            self.assertTrue(np.isfinite(a).all() and a.min() >= 0 and a.max() <= 1, family)
            np.testing.assert_array_equal(a, b)
            self.assertGreater(float(letterbox(a, 128).std()), 0.0, family)

    def test_positive_augmentation_keeps_most_of_the_radiograph(self):
        rng = np.random.default_rng(1)
        for _ in range(20):
            out = augment_positive(rng, self.chests[0])
            self.assertGreaterEqual(min(out.shape), int(128 * 0.78))
            self.assertTrue(out.min() >= 0 and out.max() <= 1)


class TrainAndExportTest(unittest.TestCase):
    """Trains on a synthetic corpus for a few epochs; the detector must separate its negatives from the
    corpus images, set the threshold at the asked false-alarm rate, and export to ONNX with the same logits."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        root = Path(cls.tmp.name)
        corpus = write_synthetic_corpus(root / "corpus", sizes={"train": 160, "val": 40, "test": 40},
                                        two_view_every=0)
        with contextlib.redirect_stdout(io.StringIO()):
            cls.report = train(parse_args(["--corpus", str(corpus), "--out", str(root / "run"), "--epochs", "4",
                                           "--negatives", "40", "--test-negatives", "20", "--fpr", "0.05",
                                           "--lr", "5e-3", "--threads", "1"]))
        cls.ckpt = root / "run" / "ood.pt"

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_it_learns_the_contrast(self):
        detected = self.report["detected"]
        self.assertEqual(set(detected), set(FAMILIES))
        self.assertGreater(float(np.mean(list(detected.values()))), 0.8, detected)
        self.assertLessEqual(self.report["val"]["false_alarm"], 0.05 + 1e-9)
        self.assertLess(self.report["test"]["false_alarm"], 0.2)

    def test_checkpoint_describes_itself(self):
        model, ckpt = load_detector(self.ckpt)
        self.assertEqual(ckpt["config"]["image_size"], 128)
        self.assertAlmostEqual(ckpt["threshold"], self.report["threshold"])
        self.assertEqual(model(torch.zeros(3, 1, 128, 128)).shape, (3,))

    def test_export_into_a_model_folder_matches_pytorch(self):
        model, ckpt = load_detector(self.ckpt)
        with tempfile.TemporaryDirectory() as d:
            random_tiny(d, quantize=False, verify=False)
            entry = add_detector(d, model, ckpt["threshold"], {"note": "test"})
            manifest = json.loads((Path(d) / "manifest.json").read_text())
            self.assertEqual(manifest["ood"]["detector"], entry)
            self.assertEqual(entry["path"], "onnx/ood_detector.onnx")
            self.assertEqual(entry["bytes"], (Path(d) / entry["path"]).stat().st_size)
            # verify_detector runs it in onnxruntime-node; a different network must fail the check
            other = OodDetector(OodConfig()).eval()
            with self.assertRaises(OodExportError):
                verify_detector(other, Path(d) / entry["path"], 128)

    def test_a_retrained_model_folder_takes_over_the_detector(self):
        model, ckpt = load_detector(self.ckpt)
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            random_tiny(a, quantize=False, verify=False)
            entry = add_detector(a, model, ckpt["threshold"], {"note": "test"})
            random_tiny(b, seed=1, quantize=False, verify=False)
            copied = copy_detector(a, b)
            self.assertEqual(copied, entry)
            self.assertEqual(json.loads((Path(b) / "manifest.json").read_text())["ood"]["detector"], entry)
            verify_detector(model, Path(b) / entry["path"], 128)
            manifest = json.loads((Path(b) / "manifest.json").read_text())
            manifest["preprocessing"]["pixel_std"] = 0.3
            (Path(b) / "manifest.json").write_text(json.dumps(manifest))
            with self.assertRaisesRegex(OodExportError, "preprocessing"):
                copy_detector(a, b)

    def test_refuses_a_folder_without_a_manifest(self):
        model, ckpt = load_detector(self.ckpt)
        with tempfile.TemporaryDirectory() as d, self.assertRaises(OodExportError):
            add_detector(d, model, 0.0)


if __name__ == "__main__":
    unittest.main()
