"""The GPU-transfer archive is lossless and smaller than the raw pixels."""
import json
import tempfile
import unittest
from pathlib import Path

import numpy as np

from training.transfer import invert_residual, pack, predictor_residual, unpack


class TransferTest(unittest.TestCase):
    def test_residual_round_trip_on_random_and_smooth_images(self):
        rng = np.random.default_rng(0)
        noise = rng.integers(0, 256, (3, 19, 23), dtype=np.uint8)
        yy, xx = np.mgrid[0:32, 0:32]
        smooth = np.stack([((yy * 3 + xx * 5 + k) % 256).astype(np.uint8) for k in range(4)])
        for px in (noise, smooth):
            np.testing.assert_array_equal(invert_residual(predictor_residual(px)), px)

    def test_pack_unpack_restores_the_corpus_byte_for_byte(self):
        with tempfile.TemporaryDirectory() as tmp:
            src, packed, out = Path(tmp, "c"), Path(tmp, "p"), Path(tmp, "u")
            (src / "train").mkdir(parents=True)
            (src / "meta.json").write_text(json.dumps({"image_size": 32}))
            (src / "tokenizer.json").write_text("{}")
            yy, xx = np.mgrid[0:32, 0:32]
            px = np.stack([((yy + xx * k) % 256).astype(np.uint8) for k in range(8)])
            np.save(src / "train" / "pixels.npy", px)
            np.save(src / "train" / "labels.npy", np.eye(8, 5, dtype=np.uint8))
            (src / "train" / "records.jsonl").write_text('{"id": "a"}\n')
            pack(src, packed, ["train"], part_mib=0.0001)
            parts = sorted((packed / "train").glob("pixels.res.xz.*"))
            self.assertGreater(len(parts), 1)
            self.assertLess(sum(p.stat().st_size for p in parts), px.nbytes)
            unpack(packed, out)
            np.testing.assert_array_equal(np.load(out / "train" / "pixels.npy"), px)
            np.testing.assert_array_equal(np.load(out / "train" / "labels.npy"), np.eye(8, 5, dtype=np.uint8))
            self.assertEqual((out / "meta.json").read_text(), (src / "meta.json").read_text())
            self.assertEqual((out / "train" / "records.jsonl").read_text(), '{"id": "a"}\n')


if __name__ == "__main__":
    unittest.main()
