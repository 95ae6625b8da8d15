"""decoder-tune on the random tiny model, random image tokens and a synthetic corpus: the module read from a folder
reproduces its fused decoder, its weights round-trip exactly, training lowers the val loss and moves only the decoder,
and the written folder is a valid model whose decoder files (fused and static) are the trained module's."""
import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

from training.decoder_tune import (TuneConfig, TuneError, load_folder, max_logit_difference, train, write_folder)
from training.export import random_tiny
from training.fused_decoder import weights_from_fused_onnx
from training.manifest import write_manifest
from training.static_decoder import write_static_decoders
from training.tests.corpus_fixture import write_synthetic_corpus


def _features(corpus, out, n_tokens, d, seed=0):
    """Random image tokens per corpus image, shaped as `npm run image-features` writes them."""
    rng = np.random.default_rng(seed)
    for split in ("train", "val"):
        rows = np.load(Path(corpus) / split / "pixels.npy", mmap_mode="r").shape[0]
        (Path(out) / split).mkdir(parents=True, exist_ok=True)
        np.save(Path(out) / split / "image_features.npy", rng.standard_normal((rows, n_tokens, d)).astype(np.float32))


class DecoderTuneTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        root = Path(cls.tmp.name)
        cls.model_dir = root / "tiny"
        manifest = random_tiny(cls.model_dir)
        manifest, _ = write_static_decoders(cls.model_dir, manifest, ["int8"])  # as the shipped folder has one
        write_manifest(cls.model_dir, manifest)
        cls.source = manifest
        arch = manifest["architecture"]
        cls.corpus = write_synthetic_corpus(root / "corpus", sizes={"train": 32, "val": 12, "test": 4},
                                            max_length=24)
        cls.features = root / "features"
        _features(cls.corpus, cls.features, arch["n_image_tokens"], arch["d_model"])
        cls.cfg = TuneConfig(model=str(cls.model_dir), features=str(cls.features), corpus=str(cls.corpus),
                             out=str(root / "out" / "tiny"), version="0.0.1", epochs=6, batch_size=8, lr=3e-3,
                             warmup_steps=1, dropout=0.0)
        torch.manual_seed(0)
        cls.before, _ = load_folder(cls.model_dir, dropout=0.0)
        cls.module, cls.manifest, cls.history = train(cls.cfg, log=lambda *_: None)
        cls.written = write_folder(cls.cfg, cls.module, cls.manifest, cls.history)
        cls.out = Path(cls.cfg.out)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def fp32(self, manifest, folder, key="decoder_model_merged"):
        return Path(folder) / manifest["files"]["fp32"][key]["path"]

    def test_module_reproduces_the_folder_decoder(self):
        self.assertLess(max_logit_difference(self.before, self.fp32(self.source, self.model_dir),
                                             self.source["architecture"]), 1e-4)

    def test_weights_round_trip(self):
        original = weights_from_fused_onnx(self.fp32(self.source, self.model_dir))
        ours = self.before.weights()
        self.assertEqual(set(original), set(ours))
        for k, v in original.items():
            np.testing.assert_array_equal(ours[k], v, err_msg=k)

    def test_training_lowers_val_loss_and_moves_only_the_decoder(self):
        self.assertEqual(len(self.history), 1 + self.cfg.epochs)
        self.assertLess(min(r["val_ce"] for r in self.history[1:]), 0.9 * self.history[0]["val_ce"])
        moved = {k: float((v - self.before.state_dict()[k]).abs().max()) for k, v in self.module.state_dict().items()}
        self.assertEqual(moved["tok"], 0.0)
        self.assertEqual(moved["norm_mean"], 0.0)
        self.assertGreater(moved["decoder.blocks.0.attn.qkv.weight"], 0.0)
        self.assertGreater(moved["lm_head.weight"], 0.0)

    def test_written_folder_holds_the_trained_decoder(self):
        arch = self.written["architecture"]
        self.assertLess(max_logit_difference(self.module, self.fp32(self.written, self.out), arch), 1e-4)
        for precision, entries in self.written["files"].items():
            old = self.source["files"][precision]
            self.assertNotEqual(entries["decoder_model_merged"]["sha256"], old["decoder_model_merged"]["sha256"])
            for key in ("vision_encoder", "embed_tokens"):
                self.assertEqual(entries[key]["sha256"], old[key]["sha256"], f"{precision} {key}")
        self.assertNotEqual(self.written["files"]["int8"]["decoder_static"]["sha256"],
                            self.source["files"]["int8"]["decoder_static"]["sha256"])
        on_disk = json.loads((self.out / "manifest.json").read_text())
        self.assertEqual(on_disk["version"], "0.0.1")
        self.assertNotIn("evaluation", on_disk)
        tune = on_disk["training"]["decoder_tune"]
        self.assertEqual(tune["from"]["sha256_decoder_fp32"],
                         self.source["files"]["fp32"]["decoder_model_merged"]["sha256"])
        self.assertEqual([r["epoch"] for r in tune["history"]], list(range(self.cfg.epochs + 1)))

    def test_degraded_share_reads_the_degraded_copies(self):
        base = dict(model=str(self.model_dir), features=str(self.features), corpus=str(self.corpus), out="x",
                    epochs=1, batch_size=8, lr=3e-3, warmup_steps=1, dropout=0.0, max_steps=2)
        with self.assertRaisesRegex(TuneError, "image-features"):
            train(TuneConfig(**base, degraded_share=1.0), log=lambda *_: None)  # the copies are not there yet
        clean_tokens = np.load(self.features / "train" / "image_features.npy")
        runs = []
        try:
            for fill in (clean_tokens, np.full(clean_tokens.shape, 50.0, np.float32)):  # copies equal to clean, then not
                for variant in ("_noise", "_blur"):
                    np.save(self.features / "train" / f"image_features{variant}.npy", fill)
                torch.manual_seed(0)
                runs.append(train(TuneConfig(**base, degraded_share=1.0), log=lambda *_: None))
        finally:
            for variant in ("_noise", "_blur"):
                (self.features / "train" / f"image_features{variant}.npy").unlink(missing_ok=True)
        (same, _, _), (other, _, history) = runs
        self.assertEqual(len(history), 2)
        self.assertGreater(float((same.lm_head.weight - self.before.lm_head.weight).abs().max()), 0.0)
        # same draws, other tokens: the runs differ only if the copies were read
        self.assertGreater(float((same.decoder.blocks[0].attn.qkv.weight
                                  - other.decoder.blocks[0].attn.qkv.weight).abs().max()), 1e-6)

    def test_bad_inputs_say_what_to_do(self):
        with self.assertRaisesRegex(TuneError, "image-features"):
            train(TuneConfig(model=str(self.model_dir), features=str(Path(self.tmp.name) / "none"),
                             corpus=str(self.corpus), out="x"), log=lambda *_: None)
        with self.assertRaisesRegex(TuneError, "--out must differ"):
            write_folder(TuneConfig(model=str(self.model_dir), out=str(self.model_dir)), self.module, self.manifest,
                         self.history)
        traced = json.loads((self.model_dir / "manifest.json").read_text())
        traced["architecture"]["decoder_graph"] = "traced"
        folder = Path(self.tmp.name) / "traced"
        folder.mkdir()
        (folder / "manifest.json").write_text(json.dumps(traced))
        with self.assertRaisesRegex(TuneError, "fuse_model"):
            load_folder(folder)


if __name__ == "__main__":
    unittest.main()
