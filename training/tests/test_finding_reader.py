"""The finding reader: what it learns on separable features, its folded weights, its keys, and the manifest it writes."""
import contextlib
import io
import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

from training.finding_reader import (FEATURE, LN_EPS, FindingReader, ReaderConfig, evaluate, finding_keys, main,
                                     manifest_entry, train_reader)


def separable(n=256, tokens=4, d=8, seed=0):
    """Token features whose mean's first two dimensions say which of two findings a study has."""
    g = torch.Generator().manual_seed(seed)
    labels = (torch.rand(n, 2, generator=g) > 0.5).float()
    x = torch.randn(n, tokens, d, generator=g) * 0.3
    x[:, :, :2] += (labels * 2 - 1).unsqueeze(1)
    return x, labels


class FindingReaderTest(unittest.TestCase):
    def test_learns_separable_findings_and_its_folded_weights_give_the_same_probabilities(self):
        x, y = separable()
        reader = train_reader(x, y, ReaderConfig(epochs=30), log=lambda *a: None)
        result = evaluate(reader, x, y, np.array(["a"] * len(x)))
        self.assertGreater(result["micro_f1"], 0.95)
        w, b = reader.folded()
        mean = x.mean(1).numpy()
        z = (mean - mean.mean(1, keepdims=True)) / np.sqrt(mean.var(1, keepdims=True) + LN_EPS)
        folded = 1 / (1 + np.exp(-(z @ w.T + b)))
        with torch.no_grad():
            want = torch.sigmoid(reader(x)).numpy()
        np.testing.assert_allclose(folded, want, atol=1e-5)

    def test_is_deterministic_for_a_seed(self):
        x, y = separable()
        a = train_reader(x, y, ReaderConfig(epochs=3, seed=1), log=lambda *a: None).folded()
        b = train_reader(x, y, ReaderConfig(epochs=3, seed=1), log=lambda *a: None).folded()
        np.testing.assert_array_equal(a[0], b[0])

    def test_maps_corpus_names_to_the_labelers_keys_and_refuses_unknown_ones(self):
        self.assertEqual(finding_keys(["Lung Opacity", "COVID-19 pattern"]), ["lung_opacity", "covid19_pattern"])
        with self.assertRaises(Exception) as ctx:
            finding_keys(["Lung Opacity", "Dragon Scales"])
        self.assertIn("Dragon Scales", str(ctx.exception))

    def test_manifest_entry_is_what_the_engine_checks(self):
        x, y = separable(d=8)
        reader = train_reader(x, y, ReaderConfig(epochs=1), log=lambda *a: None)
        entry = manifest_entry(reader, ["pleural_effusion", "nodule"], ReaderConfig(epochs=1), {"micro_f1": 0.5})
        self.assertEqual(entry["feature"], FEATURE)
        self.assertEqual([len(r) for r in entry["weights"]], [8, 8])
        self.assertEqual(len(entry["bias"]), 2)
        json.dumps(entry)  # plain JSON numbers

    def test_cli_trains_on_the_degraded_copies_and_writes_the_manifest_entry(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            corpus, features, model = root / "corpus", root / "features", root / "model"
            (corpus / "meta.json").parent.mkdir()
            (corpus / "meta.json").write_text(json.dumps({"findings": ["No Finding", "Nodule", "Pleural Effusion"]}))
            for split, n in (("train", 64), ("val", 16)):
                x, y = separable(n=n, tokens=4, d=8, seed=len(split))
                (corpus / split).mkdir()
                np.save(corpus / split / "views.npy", np.stack([np.arange(n), np.full(n, -1)], 1))
                np.save(corpus / split / "labels.npy", np.concatenate([np.zeros((n, 1)), y.numpy()], 1).astype(np.uint8))
                (corpus / split / "records.jsonl").write_text("".join(json.dumps({"source": "s"}) + "\n" for _ in range(n)))
                (features / split).mkdir(parents=True)
                for variant in ("", "_noise", "_blur") if split == "train" else ("",):
                    np.save(features / split / f"image_features{variant}.npy", x.numpy().astype(np.float16))
            model.mkdir()
            (model / "manifest.json").write_text(json.dumps({"architecture": {"d_model": 8}, "decoding": {}}))
            with contextlib.redirect_stdout(io.StringIO()):
                code = main(["--features", str(features), "--corpus", str(corpus), "--model", str(model),
                             "--degraded", "--epochs", "2", "--write"])
            self.assertEqual(code, 0)
            entry = json.loads((model / "manifest.json").read_text())["finding_reader"]
            self.assertEqual(entry["findings"], ["nodule", "pleural_effusion"])
            self.assertEqual([len(r) for r in entry["weights"]], [8, 8])
            self.assertTrue(entry["training"]["degraded"])
            self.assertEqual(entry["evaluation"]["n"], 16)

            (features / "train" / "image_features_blur.npy").unlink()
            err = io.StringIO()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
                code = main(["--features", str(features), "--corpus", str(corpus), "--model", str(model), "--degraded"])
            self.assertEqual(code, 2)
            self.assertIn("image_features_blur.npy not found", err.getvalue())

    def test_cli_says_to_run_image_features_when_they_are_missing(self):
        with tempfile.TemporaryDirectory() as tmp:
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                code = main(["--features", str(Path(tmp) / "none"), "--corpus", str(Path(tmp) / "corpus")])
            self.assertEqual(code, 2)
            self.assertIn("npm run corpus", err.getvalue())
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                corpus = Path(tmp) / "corpus"
                corpus.mkdir()
                (corpus / "meta.json").write_text(json.dumps({"findings": ["No Finding", "Nodule"]}))
                code = main(["--features", str(Path(tmp) / "none"), "--corpus", str(corpus)])  # a corpus, no features
            self.assertEqual(code, 2)
            self.assertIn("npm run image-features", err.getvalue())


if __name__ == "__main__":
    unittest.main()
