"""robust-distill on the random tiny model and a synthetic corpus: the ONNX interpreter reproduces onnxruntime, a few
steps move only the vision encoder, the finding term moves it towards the labels, and the written folder is a valid
model whose files match the trained module."""
import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import helper

from training.export import random_tiny
from training.onnx_torch import OnnxModule, OnnxTorchError, upstream_initializers
from training.ort_node import run_onnx
from training.robust_distill import DistillConfig, DistillError, image_labels, load_encoder, train, write_folder
from training.tests.corpus_fixture import write_synthetic_corpus


class RobustDistillTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        root = Path(cls.tmp.name)
        cls.model_dir = root / "tiny"
        random_tiny(cls.model_dir)
        cls.corpus = write_synthetic_corpus(root / "corpus", sizes={"train": 24, "val": 12, "test": 4})
        cls.cfg = DistillConfig(model=str(cls.model_dir), corpus=str(cls.corpus), out=str(root / "out" / "tiny"),
                                version="0.0.1", epochs=1, batch_size=8, lr=1e-2, val_n=8, max_steps=3)
        torch.manual_seed(0)
        cls.student, cls.proto, cls.manifest, cls.history = train(cls.cfg, log=lambda *_: None)
        cls.written = write_folder(cls.cfg, cls.student, cls.proto, cls.manifest, cls.history)
        cls.source = json.loads((cls.model_dir / "manifest.json").read_text())

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_interpreter_matches_onnxruntime(self):
        proto, path, _ = load_encoder(self.model_dir)
        module = OnnxModule(proto)
        x = np.random.default_rng(1).standard_normal((2, 1, 128, 128)).astype(np.float32)
        want = run_onnx([(path, {"pixel_values": x})])[0]
        got = module(pixel_values=torch.from_numpy(x))
        self.assertEqual(set(got), set(want))
        for name, value in got.items():
            np.testing.assert_allclose(value.detach().numpy(), want[name], atol=1e-4, err_msg=name)

    def test_only_upstream_weights_train(self):
        proto, _, _ = load_encoder(self.model_dir)
        trainable = upstream_initializers(proto.graph, "image_features")
        names = {t.name for t in proto.graph.initializer}
        self.assertTrue(trainable < names)  # the image_norm constants after image_features stay frozen
        self.assertEqual(sum(p.numel() for p in OnnxModule(proto, trainable).parameters()),
                         sum(int(np.prod(t.dims)) for t in proto.graph.initializer if t.name in trainable))

    def test_written_encoder_is_the_trained_module(self):
        out = Path(self.cfg.out)
        path = out / self.written["files"]["fp32"]["vision_encoder"]["path"]
        x = np.random.default_rng(2).standard_normal((1, 1, 128, 128)).astype(np.float32)
        got = run_onnx([(path, {"pixel_values": x})])[0]["image_features"]
        want = self.student(pixel_values=torch.from_numpy(x))["image_features"].detach().numpy()
        np.testing.assert_allclose(got, want, atol=1e-4)
        before = run_onnx([(self.model_dir / self.source["files"]["fp32"]["vision_encoder"]["path"],
                            {"pixel_values": x})])[0]["image_features"]
        self.assertGreater(np.abs(got - before).max(), 1e-3)  # three steps at lr 1e-2 moved it

    def test_folder_changes_the_encoder_and_nothing_else(self):
        out = Path(self.cfg.out)
        for prec, files in self.written["files"].items():
            for key, entry in files.items():
                self.assertEqual(entry["bytes"], (out / entry["path"]).stat().st_size)
                same = entry["sha256"] == self.source["files"][prec][key]["sha256"]
                self.assertEqual(same, key != "vision_encoder", f"{prec}/{key}")
        self.assertEqual(self.written["version"], "0.0.1")
        self.assertNotIn("evaluation", self.written)
        self.assertEqual(self.written["ood"]["detector"], self.source["ood"]["detector"])
        self.assertNotEqual(self.written["ood"]["mean"], self.source["ood"]["mean"])
        self.assertEqual(json.loads((out / "manifest.json").read_text()), self.written)
        rows = self.written["training"]["robust_distill"]["history"]
        self.assertEqual([r["epoch"] for r in rows], [0, 1])
        self.assertEqual(rows[0]["clean"], 0.0)  # before training the student is the teacher
        self.assertTrue(all(np.isfinite([r["clean"], r["noise_0.1"], r["blur_2"]]).all() for r in rows))

    def test_finding_term_moves_the_encoder(self):
        # Same seed and the same head (so the same random draws); only λ differs, so only the term can part them.
        def run(weight):
            cfg = DistillConfig(**{**self.cfg.__dict__, "finding_weight": weight, "max_steps": 4})
            torch.manual_seed(0)
            return train(cfg, log=lambda *_: None)
        faint, _, _, _ = run(1e-12)
        strong, _, _, history = run(5.0)
        x = torch.from_numpy(np.random.default_rng(3).standard_normal((1, 1, 128, 128)).astype(np.float32))
        diff = (faint(pixel_values=x)["image_features"] - strong(pixel_values=x)["image_features"]).abs().max()
        self.assertGreater(float(diff), 1e-4)
        self.assertTrue(np.isfinite(history[-1]["train_finding_bce"]))
        self.assertNotIn("train_finding_bce", self.history[-1])  # λ 0: no head, nothing logged

    def test_image_labels_follow_their_study(self):
        views = np.load(self.corpus / "train" / "views.npy")
        labels = image_labels(self.corpus, int(views.max()) + 1)
        self.assertGreater(int((views >= 0).sum(1).max()), 1)  # the fixture has two-view studies
        study = np.load(self.corpus / "train" / "labels.npy")[:, 1:]
        for s, rows in enumerate(views):
            for r in rows[rows >= 0]:
                np.testing.assert_array_equal(labels[r], study[s])

    def test_written_folder_drops_the_stale_finding_reader(self):
        cfg = DistillConfig(**{**self.cfg.__dict__, "out": str(Path(self.tmp.name) / "out2" / "tiny")})
        manifest = {**json.loads(json.dumps(self.manifest)), "finding_reader": {"feature": "image_tokens_mean"}}
        written = write_folder(cfg, self.student, self.proto, manifest, self.history)
        self.assertNotIn("finding_reader", written)

    def test_refuses_to_overwrite_its_teacher(self):
        cfg = DistillConfig(**{**self.cfg.__dict__, "out": str(self.model_dir)})
        with self.assertRaisesRegex(DistillError, "--out must differ"):
            write_folder(cfg, self.student, self.proto, dict(self.manifest), self.history)

    def test_missing_model_folder_says_what_to_pass(self):
        with self.assertRaisesRegex(DistillError, "--model DIR"):
            load_encoder(Path(self.tmp.name) / "nowhere")

    def test_unknown_operator_is_named(self):
        x = helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1])
        y = helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])
        proto = helper.make_model(helper.make_graph([helper.make_node("Sigmoid", ["x"], ["y"], name="s")], "g", [x], [y]))
        with self.assertRaisesRegex(OnnxTorchError, "Sigmoid"):
            OnnxModule(proto)(x=torch.zeros(1))


if __name__ == "__main__":
    unittest.main()
