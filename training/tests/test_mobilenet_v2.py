"""The MobileNetV2 read from the 8-bit TFLite file classifies like ImageNet's and gives the feature maps it promises.
Needs ../shared/data/pretrained (a missing folder fails, not skips)."""
import tempfile
import unittest
from pathlib import Path

import torch

from training.mobilenet_v2 import PRETRAINED_DIR, TFLITE_PATH, classify_file, grey_to_input, load_mobilenet_v2


class MobileNetV2Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.net = load_mobilenet_v2() if TFLITE_PATH.is_file() else None

    def setUp(self):
        self.assertIsNotNone(self.net, f"shared data missing: {TFLITE_PATH} (see ../shared/data/pretrained/README.md)")

    def test_grace_hopper_is_a_military_uniform(self):
        top5 = classify_file(PRETRAINED_DIR / "grace_hopper.bmp", net=self.net)
        (label, p), (runner_up, q) = top5[0], top5[1]
        message = f"margin {p - q:.3f} of {label!r} over {runner_up!r}; top-5: {top5}"
        self.assertEqual(label, "military uniform", message)
        self.assertGreater(p - q, 0.5, message)

    def test_feature_shapes_at_stride_16_and_32(self):
        for size in (128, 256):
            x = grey_to_input(torch.rand(2, 1, size, size))
            self.assertEqual(tuple(x.shape), (2, 3, size, size))
            self.assertTrue(-1 <= x.min() and x.max() <= 1)
            with torch.no_grad():
                self.assertEqual(tuple(self.net.features(x, 16).shape), (2, 96, size // 16, size // 16))
                self.assertEqual(tuple(self.net.features(x, 32).shape), (2, 1280, size // 32, size // 32))


    def test_saved_state_dict_loads_the_same_network(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp, "mnv2.pt")
            torch.save(self.net.state_dict(), path)
            again = load_mobilenet_v2(path)
        x = grey_to_input(torch.rand(1, 1, 64, 64))
        with torch.no_grad():
            torch.testing.assert_close(again(x), self.net(x))


class MissingFileTest(unittest.TestCase):
    def test_missing_file_names_the_expected_path(self):
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaisesRegex(FileNotFoundError, "TFLite file not found"):
                load_mobilenet_v2(Path(tmp, "absent.tflite"))


if __name__ == "__main__":
    unittest.main()
