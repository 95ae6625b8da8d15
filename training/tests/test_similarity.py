"""The similarity towers: their losses rank what they should, a short training run learns to tell finding sets apart
from image tokens that carry them, and the exported ONNX files match PyTorch and refuse a model they do not fit."""
import contextlib
import io
import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

from training.data import CorpusError
from training.similarity import SimilarityConfig, SimilarityTowers, box_loss, candidate_loss, multi_positive_infonce
from training.similarity_data import ModelCandidates, SimilaritySplit, finding_word_mask
from training.export import random_tiny
from training.manifest import file_entry
from training.similarity_export import SimilarityExportError, add_towers, copy_towers, load_towers
from training.similarity_train import main as train_main
from training.tests.corpus_fixture import write_synthetic_corpus

N_TOKENS, D_IMAGE = 16, 32


def write_features(corpus, features, seed=0):
    """Image tokens [M,N,D] in which each finding adds its own direction to a few patches, plus noise: a stand-in
    for `npm run image-features` in which the findings are visible, so a working tower must learn to read them."""
    rng = np.random.default_rng(seed)
    findings = json.loads((Path(corpus) / "meta.json").read_text())["findings"]
    direction = {f: rng.normal(size=D_IMAGE).astype(np.float32) for f in findings}
    patches = {f: rng.choice(N_TOKENS, 4, replace=False) for f in findings}
    for split in ("train", "val", "test"):
        views = np.load(Path(corpus) / split / "views.npy")
        records = [json.loads(l) for l in (Path(corpus) / split / "records.jsonl").read_text().splitlines()]
        feats = rng.normal(scale=0.5, size=(int(views.max()) + 1, N_TOKENS, D_IMAGE)).astype(np.float32)
        for rows, r in zip(views, records):
            for row in rows[rows >= 0]:
                for f in r["findings"]:
                    feats[row, patches[f]] += 2 * direction[f]
        out = Path(features) / split
        out.mkdir(parents=True, exist_ok=True)
        for variant in ("", "_noise", "_blur") if split == "train" else ("",):
            np.save(out / f"image_features{variant}.npy", feats + rng.normal(scale=0.1, size=feats.shape).astype(np.float32))


class LossTest(unittest.TestCase):
    def test_infonce_prefers_matching_content(self):
        positives = torch.tensor([[1, 1, 0], [1, 1, 0], [0, 0, 1]], dtype=torch.bool)
        right = torch.tensor([[5.0, 5.0, -5.0], [5.0, 5.0, -5.0], [-5.0, -5.0, 5.0]])
        wrong = right.flip(0)
        self.assertLess(float(multi_positive_infonce(right, positives)), 0.8)
        self.assertGreater(float(multi_positive_infonce(wrong, positives)), 5.0)

    def test_box_loss_is_low_when_finding_words_point_at_the_box(self):
        E, N = 8, 4
        v = torch.eye(E)[:N].unsqueeze(0)  # patch n = basis vector n
        w = torch.stack([torch.eye(E)[2], torch.eye(E)[0]]).unsqueeze(0)  # words point at patches 2 and 0
        target = torch.tensor([[0.0, 0.0, 1.0, 0.0]])
        only_first = torch.tensor([[1.0, 0.0]])
        only_second = torch.tensor([[0.0, 1.0]])
        self.assertLess(float(box_loss(v, w, only_first, target)), 0.01)
        self.assertGreater(float(box_loss(v, w, only_second, target)), 5.0)
        self.assertEqual(float(box_loss(v, w, torch.zeros(1, 2), target)), 0.0)

    def test_candidate_loss_prefers_the_right_candidates_of_each_image(self):
        owner = torch.tensor([0, 0, 1, 1])
        right = torch.tensor([True, False, False, False])
        good = candidate_loss(torch.tensor([5.0, 5.0]), torch.tensor([5.0, -5.0, -5.0, -5.0]), owner, right)
        bad = candidate_loss(torch.tensor([-5.0, -5.0]), torch.tensor([-5.0, 5.0, 5.0, 5.0]), owner, right)
        self.assertLess(float(good), 0.01)
        self.assertGreater(float(bad), 9.0)
        all_right = candidate_loss(torch.tensor([0.0]), torch.tensor([1.0]), torch.tensor([0]), torch.tensor([True]))
        self.assertEqual(float(all_right), 0.0)  # an image whose candidates are all right teaches nothing

    def test_model_candidates_keep_studies_with_a_wrong_candidate(self):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "cands.jsonl"
            lines = [{"id": "a", "cands": [{"tokenIds": [7, 8, 2], "errors": 0}, {"tokenIds": [9, 2], "errors": 2}]},
                     {"id": "b", "cands": [{"tokenIds": [7, 2], "errors": 0}]},
                     {"id": "elsewhere", "cands": [{"tokenIds": [5, 2], "errors": 1}]}]
            path.write_text("\n".join(json.dumps(x) for x in lines))
            mc = ModelCandidates(path, ["b", "a"], bos_id=1, pad_id=0, max_len=5)
            self.assertEqual(len(mc), 1)
            rows, owner, right = mc.batch(np.array([0, 1]))
            self.assertEqual(rows.tolist(), [[1, 7, 8, 2, 0], [1, 9, 2, 0, 0]])
            self.assertEqual(owner.tolist(), [1, 1])
            self.assertEqual(right.tolist(), [True, False])
            self.assertIsNone(mc.batch(np.array([0])))
            with self.assertRaises(CorpusError):
                ModelCandidates(path, ["b"], bos_id=1, pad_id=0, max_len=5)

    def test_finding_word_mask_covers_whole_sentences(self):
        ids = torch.tensor([[10, 11, 99, 12, 13, 99, 14]])
        mask = torch.ones_like(ids)
        got = finding_word_mask(ids, mask, finding_ids={13}, boundary_ids={99})
        self.assertEqual(got[0].tolist(), [0, 0, 0, 1, 1, 0, 0])


class TrainExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        root = Path(cls.tmp.name)
        cls.corpus = write_synthetic_corpus(root / "corpus", sizes={"train": 160, "val": 40, "test": 4})
        cls.features = root / "features"
        write_features(cls.corpus, cls.features)
        cls.out = root / "sim"
        with contextlib.redirect_stdout(io.StringIO()):
            cls.best = train_main(["--corpus", str(cls.corpus), "--features", str(cls.features), "--out", str(cls.out),
                                   "--epochs", "6", "--batch-size", "32", "--local-batch", "8", "--lr", "3e-3",
                                   "--data-dir", str(root / "no-data")])

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_training_separates_finding_sets(self):
        self.assertGreater(self.best["auroc"], 0.85)
        self.assertGreater(self.best["mean_cos_own"], self.best["mean_cos_other"])

    def test_checkpoint_describes_itself(self):
        towers, ckpt = load_towers(self.out / "similarity.pt")
        self.assertEqual(ckpt["config"]["n_image_tokens"], N_TOKENS)
        self.assertEqual(ckpt["config"]["d_image"], D_IMAGE)
        self.assertEqual(ckpt["val"]["auroc"], self.best["auroc"])
        self.assertEqual(ckpt["train_config"]["epochs"], 6)
        history = json.loads((self.out / "history.json").read_text())
        self.assertEqual(len(history), 6)

    def test_untrained_towers_do_not_separate(self):
        """The same measurement on fresh weights stays near chance, so the trained AUROC is the training's work."""
        from training.similarity_train import discrimination, embed_split
        towers, ckpt = load_towers(self.out / "similarity.pt")
        fresh = SimilarityTowers(SimilarityConfig(**ckpt["config"])).eval()
        val = SimilaritySplit(self.corpus, self.features, "val")
        m = discrimination(*embed_split(fresh, val, fresh.cfg), val.key, 5)
        self.assertLess(m["auroc"], self.best["auroc"] - 0.15)

    def _model_dir(self, n_tokens):
        d = Path(self.tmp.name) / f"model{n_tokens}"
        d.mkdir(exist_ok=True)
        arch = {"n_image_tokens": n_tokens, "d_model": D_IMAGE, "vocab_size": load_towers(self.out / "similarity.pt")[0].cfg.vocab_size}
        (d / "manifest.json").write_text(json.dumps({"architecture": arch, "subtype_probe": {"feature": "tower_patch_mean"}}))
        return d

    def test_export_matches_pytorch_and_writes_the_manifest(self):
        towers, _ = load_towers(self.out / "similarity.pt")
        d = self._model_dir(N_TOKENS)
        entry = add_towers(d, towers, {"val": self.best})  # raises if onnxruntime-node disagrees with PyTorch
        manifest = json.loads((d / "manifest.json").read_text())
        self.assertEqual(manifest["similarity"]["embed_dim"], towers.cfg.embed_dim)
        self.assertNotIn("subtype_probe", manifest, "a probe on the towers these replace goes")
        for part in ("image", "text"):
            path = d / entry[part]["path"]
            self.assertTrue(path.exists())
            self.assertEqual(path.stat().st_size, entry[part]["bytes"])

    def test_export_refuses_a_model_with_other_image_tokens(self):
        towers, _ = load_towers(self.out / "similarity.pt")
        with self.assertRaises(SimilarityExportError) as ctx:
            add_towers(self._model_dir(N_TOKENS * 4), towers)
        self.assertIn("image-features", str(ctx.exception))


class CopyTowersTest(unittest.TestCase):
    """`export-similarity --from-model`: a retrained report model keeps the towers that read pixels."""

    def _donor(self, d, input_kind="pixels", probe_feature="tower_patch_mean", subtype_gate=1):
        random_tiny(d, quantize=False, verify=False)
        onnx_dir = Path(d) / "onnx"
        (onnx_dir / "similarity_image.onnx").write_bytes(b"image tower bytes")
        (onnx_dir / "similarity_text.onnx").write_bytes(b"text tower bytes")
        manifest = json.loads((Path(d) / "manifest.json").read_text())
        manifest["similarity"] = {"image": file_entry(d, onnx_dir / "similarity_image.onnx"),
                                  "text": file_entry(d, onnx_dir / "similarity_text.onnx"), "embed_dim": 8,
                                  "precision": "int8", "input": input_kind, "grid": [16, 16]}
        manifest["subtype_probe"] = {"feature": probe_feature, "weights": [1.0]}
        manifest["decoding"]["subtype_gate"] = subtype_gate
        (Path(d) / "manifest.json").write_text(json.dumps(manifest))
        return manifest["similarity"]

    def test_copies_files_and_entry_and_keeps_a_tower_only_probe(self):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            entry = self._donor(a)
            random_tiny(b, seed=1, quantize=False, verify=False)
            copied = copy_towers(a, b)
            self.assertEqual((Path(b) / "onnx" / "similarity_text.onnx").read_bytes(), b"text tower bytes")
            self.assertEqual({k: v for k, v in copied.items() if k != "copied_from"}, entry)
            written = json.loads((Path(b) / "manifest.json").read_text())
            self.assertEqual(written["similarity"], copied)
            self.assertEqual(written["subtype_probe"], {"feature": "tower_patch_mean", "weights": [1.0]})
            self.assertEqual(written["decoding"]["subtype_gate"], 1, "a kept probe keeps the donor's gate")

    def test_keeps_the_folders_own_probe_on_its_image_reader(self):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            self._donor(a, probe_feature="image_reader")
            random_tiny(b, seed=1, quantize=False, verify=False)
            manifest = json.loads((Path(b) / "manifest.json").read_text())
            own = {"feature": "image_reader", "weights": [1.0], "margin": 0.3}
            manifest["subtype_probe"] = own
            manifest["decoding"]["subtype_gate"] = 1
            (Path(b) / "manifest.json").write_text(json.dumps(manifest))
            copy_towers(a, b)
            written = json.loads((Path(b) / "manifest.json").read_text())
            self.assertEqual((written["subtype_probe"], written["decoding"]["subtype_gate"]), (own, 1))

    def test_a_dropped_probe_takes_the_gate_off(self):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            self._donor(a, probe_feature="image_embed+tower_patch_mean")
            random_tiny(b, seed=1, quantize=False, verify=False)
            manifest = json.loads((Path(b) / "manifest.json").read_text())
            manifest["decoding"]["subtype_gate"] = 1
            (Path(b) / "manifest.json").write_text(json.dumps(manifest))
            copy_towers(a, b)
            self.assertNotIn("subtype_gate", json.loads((Path(b) / "manifest.json").read_text())["decoding"])

    def test_drops_a_probe_that_reads_the_old_encoder(self):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            self._donor(a, probe_feature="image_embed+tower_patch_mean")
            random_tiny(b, seed=1, quantize=False, verify=False)
            copy_towers(a, b)
            self.assertNotIn("subtype_probe", json.loads((Path(b) / "manifest.json").read_text()))

    def test_refuses_token_towers_other_pixels_and_a_tampered_file(self):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            self._donor(a, input_kind="image_tokens")
            random_tiny(b, seed=1, quantize=False, verify=False)
            with self.assertRaisesRegex(SimilarityExportError, "image tokens"):
                copy_towers(a, b)
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            self._donor(a)
            random_tiny(b, seed=1, quantize=False, verify=False)
            manifest = json.loads((Path(b) / "manifest.json").read_text())
            manifest["preprocessing"]["pixel_std"] = 0.3
            (Path(b) / "manifest.json").write_text(json.dumps(manifest))
            with self.assertRaisesRegex(SimilarityExportError, "preprocessed"):
                copy_towers(a, b)
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            self._donor(a)
            (Path(a) / "onnx" / "similarity_image.onnx").write_bytes(b"changed")
            random_tiny(b, seed=1, quantize=False, verify=False)
            with self.assertRaisesRegex(SimilarityExportError, "sha256"):
                copy_towers(a, b)


if __name__ == "__main__":
    unittest.main()


class HardCandidatesTest(unittest.TestCase):
    """Training with the report model's own candidates as hard cases: a stand-in candidate file in which each train
    study has its own report (right) and the report of a study with other findings (wrong)."""

    def test_the_hard_term_trains_down_and_the_checkpoint_says_what_it_used(self):
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            corpus = write_synthetic_corpus(root / "corpus", sizes={"train": 96, "val": 32, "test": 4})
            write_features(corpus, root / "features")
            split = SimilaritySplit(corpus, root / "features", "train")
            ids = lambda row: [int(t) for t in row[1:] if t != 0]  # noqa: E731  [BOS] dropped, PAD dropped
            with open(root / "cands.jsonl", "w") as f:
                for i, sid in enumerate(split.ids):
                    other = next(j for j in range(len(split.ids)) if split.key[j] != split.key[i])
                    cands = [{"tokenIds": ids(split.tokens[i, 0]), "errors": 0}, {"tokenIds": ids(split.tokens[other, 0]), "errors": 2}]
                    f.write(json.dumps({"id": sid, "cands": cands}) + "\n")
            out = root / "sim"
            with contextlib.redirect_stdout(io.StringIO()):
                train_main(["--corpus", str(corpus), "--features", str(root / "features"), "--out", str(out), "--epochs", "4",
                            "--batch-size", "32", "--local-batch", "8", "--lr", "3e-3", "--data-dir", str(root / "no-data"),
                            "--hard-negatives", str(root / "cands.jsonl")])
            history = json.loads((out / "history.json").read_text())
            self.assertGreater(history[0]["hard"], 0.0)
            self.assertLess(history[-1]["hard"], 0.5 * history[0]["hard"])
            ckpt = torch.load(out / "similarity.pt", weights_only=False)
            self.assertEqual(ckpt["train_config"]["hard_negatives"], str(root / "cands.jsonl"))
