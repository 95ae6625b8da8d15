"""train.py on a synthetic corpus in the CONTRACTS format: batches, a short run, the checkpoint's contents."""
import contextlib
import io
import json
import tempfile
import unittest
from pathlib import Path
from unittest import mock

import numpy as np
import torch

from training.augment import augment
from training.data import CorpusError, CorpusSplit, load_meta
from training.export import load_checkpoint
from training.export import main as export_main
from training.tests.corpus_fixture import write_synthetic_corpus
from training.train import main as train_main

TINY_MODEL = '{"vis_channels": [8, 16, 16, 32], "d_model": 32, "n_layers": 1, "n_heads": 2}'


class TrainTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.corpus = write_synthetic_corpus(Path(cls.tmp.name) / "corpus",
                                            sizes={"train": 24, "val": 8, "test": 4})

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_batch_gathers_views_and_one_valid_report(self):
        split = CorpusSplit(self.corpus, "train")
        b = split.collate([3, 0, 7])  # studies 3 and 7 have two views
        self.assertEqual(tuple(b["pixels"].shape[1:]), (1, 128, 128))
        self.assertEqual(b["pixels"].shape[0], 5)
        vi = b["view_idx"]
        self.assertTrue((vi[:, 0] >= 0).all())
        self.assertEqual(vi[1, 1].item(), -1)
        for row, study in zip(vi, [3, 0, 7]):
            orig = split.views[study]
            np.testing.assert_array_equal(b["pixels"][row[0], 0].numpy(), split.pixels[orig[0]])
        tok = b["tokens"].numpy()
        self.assertTrue((tok[:, 0] == 1).all())
        self.assertTrue((tok != 0).sum(1).max() == tok.shape[1])  # trimmed to the longest report
        for row, study in zip(tok, [3, 0, 7]):
            reports = split.tokens[study][:, : len(row)]
            self.assertTrue(any((r == row).all() for r in reports))

    def test_augmentation_keeps_range_and_changes_pixels(self):
        x = torch.from_numpy(np.array(CorpusSplit(self.corpus, "val").pixels[:4])).unsqueeze(1)
        y = augment(x)
        self.assertEqual(y.shape, x.shape)
        self.assertTrue(0.0 <= float(y.min()) and float(y.max()) <= 1.0)
        self.assertGreater(float((y - x.float() / 255).abs().mean()), 0.005)

    def test_missing_corpus_is_a_typed_error(self):
        with self.assertRaises(CorpusError) as ctx:
            load_meta(Path(self.tmp.name) / "nowhere")
        self.assertIn("npm run corpus", str(ctx.exception))

    def test_a_run_stopped_and_resumed_ends_as_the_run_in_one_go(self):
        common = ["--corpus", str(self.corpus), "--epochs", "3", "--batch-size", "8", "--model", TINY_MODEL]
        whole, split = Path(self.tmp.name) / "whole", Path(self.tmp.name) / "split"
        with contextlib.redirect_stdout(io.StringIO()) as log:
            train_main(common + ["--out", str(whole)])
            train_main(common + ["--out", str(split), "--stop-after-epoch", "1"])
            stopped = json.loads((split / "history.json").read_text())
            train_main(common + ["--out", str(split), "--resume"])
        self.assertEqual(len(stopped), 1)
        self.assertIn("resumed", log.getvalue())
        a = torch.load(whole / "last.pt")
        b = torch.load(split / "last.pt")
        self.assertEqual((a["epoch"], a["step"]), (b["epoch"], b["step"]))
        self.assertEqual([h["loss"] for h in a["history"]], [h["loss"] for h in b["history"]])
        for k, v in a["model"].items():
            torch.testing.assert_close(b["model"][k], v, atol=0, rtol=0, msg=k)

    def test_a_time_based_run_uses_its_budget_when_the_probe_underestimates_throughput(self):
        out = Path(self.tmp.name) / "timed"
        # the probe reads 0.5 samples/s: one 24-study epoch ≈ 50 s, so the estimate is 1 epoch of the 6 s budget
        with mock.patch("training.train.probe_throughput", return_value=0.5), \
                contextlib.redirect_stdout(io.StringIO()) as log:
            train_main(["--corpus", str(self.corpus), "--out", str(out), "--time-budget-min", "0.1",
                        "--batch-size", "8", "--model", TINY_MODEL])
        self.assertIn("1 epochs", log.getvalue())
        history = json.loads((out / "history.json").read_text())
        self.assertGreater(len(history), 1)  # it went on past the estimate until the budget ended it
        self.assertLessEqual(len(history), 8)

    def test_init_from_starts_at_the_checkpoints_weights(self):
        common = ["--corpus", str(self.corpus), "--batch-size", "8", "--model", TINY_MODEL]
        src, init, scratch = (Path(self.tmp.name) / n for n in ("src", "init", "scratch"))
        with contextlib.redirect_stdout(io.StringIO()) as log:
            train_main(common + ["--out", str(src), "--epochs", "4", "--lr", "3e-3"])
            # one step at a negligible LR: the first val loss is where the run started
            # the architecture comes from the checkpoint, so no --model here
            fine_tune = ["--corpus", str(self.corpus), "--batch-size", "8", "--init-from", str(src / "ckpt.pt"), "--epochs", "1"]
            train_main(fine_tune + ["--out", str(init), "--max-steps", "1", "--lr", "1e-9"])
            train_main(common + ["--out", str(scratch), "--max-steps", "1", "--lr", "1e-9", "--epochs", "1"])
            for extra in (["--resume"], ["--model", TINY_MODEL]):
                with self.assertRaisesRegex(SystemExit, "--init-from takes the checkpoint's architecture"):
                    train_main(fine_tune + ["--out", str(init)] + extra)
            other = write_synthetic_corpus(Path(self.tmp.name) / "other", sizes={"train": 8, "val": 4, "test": 2},
                                           max_length=32)
            with self.assertRaisesRegex(SystemExit, "max_text_len differ"):
                train_main(fine_tune[2:] + ["--corpus", str(other), "--out", str(init)])
        trained = torch.load(src / "ckpt.pt", weights_only=False)["val_loss"]
        started = json.loads((init / "history.json").read_text())[0]["loss"]
        fresh = json.loads((scratch / "history.json").read_text())[0]["loss"]
        self.assertIn("from " + str(src / "ckpt.pt"), log.getvalue())
        self.assertLess(abs(started - trained), 0.1 * (fresh - trained))

    def test_resume_refuses_another_schedule(self):
        common = ["--corpus", str(self.corpus), "--batch-size", "8", "--model", TINY_MODEL]
        out = Path(self.tmp.name) / "sched"
        with contextlib.redirect_stdout(io.StringIO()) as log:
            train_main(common + ["--out", str(out), "--epochs", "2", "--stop-after-epoch", "1"])
            per_epoch = torch.load(out / "last.pt")["step"]
            with self.assertRaisesRegex(SystemExit, "schedule"):
                train_main(common + ["--out", str(out), "--epochs", "3", "--resume"])
            train_main(common + ["--out", str(out), "--epochs", "3", "--resume", "--reschedule"])
            with self.assertRaisesRegex(SystemExit, "not found"):
                train_main(common + ["--out", str(Path(self.tmp.name) / "none"), "--epochs", "2", "--resume"])
        rescheduled = torch.load(out / "last.pt")
        self.assertEqual((rescheduled["epoch"], rescheduled["step"], rescheduled["total"]), (3, 3 * per_epoch, 3 * per_epoch))
        self.assertIn(f"rescheduled from {2 * per_epoch} steps", log.getvalue())

    def test_short_run_writes_a_loadable_checkpoint(self):
        out = Path(self.tmp.name) / "run"
        with contextlib.redirect_stdout(io.StringIO()) as log:
            result = train_main(["--corpus", str(self.corpus), "--out", str(out), "--epochs", "2",
                                 "--batch-size", "8", "--model", TINY_MODEL, "--lambda", "0.3"])
        text = log.getvalue()
        self.assertIn("samples/s", text)
        self.assertIn("ETA", text)
        self.assertIn("val loss", text)
        self.assertEqual(len(result["history"]), 2)
        model, ckpt = load_checkpoint(out / "ckpt.pt")
        self.assertEqual(ckpt["model_config"]["d_model"], 32)
        self.assertEqual(ckpt["corpus_meta"]["format"], "serpent-corpus")
        self.assertEqual(ckpt["summary"]["lambda"], 0.3)
        self.assertAlmostEqual(ckpt["val_loss"], min(h["loss"] for h in result["history"]))
        self.assertEqual(ckpt["epoch"], 1 + int(np.argmin([h["loss"] for h in result["history"]])))
        self.assertEqual(model.cfg.vocab_size, max(ckpt["model"]["lm_head.weight"].shape))

        folder = Path(self.tmp.name) / "model"
        with contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(export_main(["--ckpt", str(out / "ckpt.pt"), "--out", str(folder), "--fp32-only"]), 0)
        manifest = json.loads((folder / "manifest.json").read_text())
        self.assertEqual(manifest["id"], "model")
        self.assertEqual(manifest["training"]["epoch"], ckpt["epoch"])
        self.assertEqual(manifest["max_length"], ckpt["corpus_meta"]["max_length"])
        self.assertEqual((folder / "tokenizer.json").read_bytes(), (self.corpus / "tokenizer.json").read_bytes())
        with contextlib.redirect_stderr(io.StringIO()) as err:
            self.assertEqual(export_main(["--ckpt", str(out / "missing.pt"), "--out", str(folder)]), 2)
        self.assertIn("npm run train", err.getvalue())


if __name__ == "__main__":
    unittest.main()
