"""finding-preference on the random tiny model, random image tokens and a synthetic corpus with saved candidates whose
worse drafts carry a marker token (a stand-in for a false finding): pairs are built as documented, training teaches
the decoder to prefer the better draft on held-out val pairs while the anchor keeps the caption loss, and the written
folder records the run."""
import contextlib
import dataclasses
import io
import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

from training.decoder_tune import TuneError, load_folder, write_folder
from training.export import random_tiny
from training.finding_preference import (PreferenceConfig, build_pairs, pad_sequences, read_candidates,
                                         sequence_logp, study_index, train)
from training.folder_tune import parse_config
from training.tests.corpus_fixture import write_synthetic_corpus
from training.tests.test_decoder_tune import _features

CONFIG = "1x1:0+s4@1"


def _candidates(corpus, split, marker, path, flip=False):
    """Per study (a normal film): the reference report (no findings) and the same with the marker token in one place
    (the labeler reads a false cardiomegaly); every third study has only wrong drafts (one false finding and two).
    flip: every film has cardiomegaly and only the marker draft says so. Written as `npm run sweep-rerank --
    --candidates` does."""
    tokens = np.load(Path(corpus) / split / "tokens.npy")
    lines = []
    for sid, row in study_index(corpus, split).items():
        ref = [int(t) for t in tokens[row, 0] if t != 0][1:]  # no BOS, EOS last
        wrong = ref[:2] + [marker] + ref[3:]
        one, two = ["cardiomegaly"], ["cardiomegaly", "pneumothorax"]
        cands = [(ref, []), (wrong, one)] if row % 3 or flip else [(wrong, one), (ref[:2] + [marker] * 2 + ref[4:], two)]
        truth = one if flip else ["no_finding"]
        lines.append(json.dumps({"config": CONFIG, "id": sid, "truth": truth, "cands": [
            {"text": " ".join(map(str, t)), "tokenIds": t, "findings": f} for t, f in cands]}))
    lines.append(json.dumps({"config": "1x1:0", "id": "synthetic/none", "cands": []}))  # another search: skipped
    Path(path).write_text("\n".join(lines) + "\n")


class FindingPreferenceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        root = Path(cls.tmp.name)
        cls.model_dir = root / "tiny"
        cls.source = random_tiny(cls.model_dir)
        arch = cls.source["architecture"]
        cls.corpus = write_synthetic_corpus(root / "corpus", sizes={"train": 36, "val": 12, "test": 4},
                                            max_length=24)
        cls.features = root / "features"
        _features(cls.corpus, cls.features, arch["n_image_tokens"], arch["d_model"])
        used = {int(t) for split in ("train", "val") for t in np.load(cls.corpus / split / "tokens.npy").ravel()}
        cls.marker = cls.source["special_ids"]["unk"]
        assert cls.marker not in used  # a token no reference report uses
        for split in ("train", "val"):
            _candidates(cls.corpus, split, cls.marker, root / f"{split}.jsonl")
        cls.cfg = PreferenceConfig(model=str(cls.model_dir), features=str(cls.features), corpus=str(cls.corpus),
                                   candidates=str(root / "train.jsonl"), val_candidates=str(root / "val.jsonl"),
                                   out=str(root / "out" / "tiny"), version="0.0.2", epochs=8, batch_size=8, lr=3e-3,
                                   warmup_steps=1, beta=0.5, rank="errors", reference_pairs=True)
        torch.manual_seed(0)
        cls.module, cls.manifest, cls.history, cls.counts = train(cls.cfg, log=lambda *_: None)
        _candidates(cls.corpus, "train", cls.marker, root / "flipped.jsonl", flip=True)
        cls.flipped, *_ = train(dataclasses.replace(cls.cfg, candidates=str(root / "flipped.jsonl"), epochs=4),
                                log=lambda *_: None)
        cls.written = write_folder(cls.cfg, cls.module, cls.manifest, cls.history, run_key="finding_preference",
                                   extra=cls.counts)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_pairs_put_fewer_errors_first_and_the_reference_where_every_draft_is_wrong(self):
        tokens = torch.from_numpy(np.load(self.corpus / "train" / "tokens.npy").astype(np.int64))
        studies = read_candidates(self.cfg.candidates, CONFIG)
        self.assertEqual(len(studies), 36)  # the other search's line is not read
        pairs = build_pairs(studies, study_index(self.corpus, "train"), tokens, tokens[:, :, 0] != 0, 4,
                            np.random.default_rng(0))
        self.assertEqual(len(pairs), 36 + 12)  # one pair per study, plus the reference against the best of 12
        for row, better, worse in pairs:
            self.assertLess(better.count(self.marker), worse.count(self.marker))
            if row % 3:  # a right draft exists: it is the better one, never the reference
                self.assertEqual(better.count(self.marker), 0)
            self.assertEqual(better[-1], self.manifest["special_ids"]["eos"])

    def test_rank_and_reference_options(self):
        path = Path(self.tmp.name) / "ranks.jsonl"
        cands = [{"text": "a", "tokenIds": [5, 2], "findings": []},  # misses the consolidation (and its parent)
                 {"text": "b", "tokenIds": [6, 2], "findings": ["pneumothorax"]},  # false + missed
                 {"text": "c", "tokenIds": [7, 2], "findings": ["consolidation", "lung_opacity", "cardiomegaly"]}]
        path.write_text(json.dumps({"config": CONFIG, "id": "synthetic/train1", "truth": ["consolidation"],
                                    "cands": cands}) + "\n")
        tokens = torch.from_numpy(np.load(self.corpus / "train" / "tokens.npy").astype(np.int64))
        index = study_index(self.corpus, "train")

        def pairs(rank, reference):
            studies = read_candidates(str(path), CONFIG, rank)
            return sorted((b, w) for _, b, w in build_pairs(studies, index, tokens, tokens[:, :, 0] != 0, 8,
                                                            np.random.default_rng(0), reference=reference))

        # errors: c has one (a false cardiomegaly), a two (both missed), b three
        self.assertEqual(pairs("errors", False), [((7, 2), (5, 2)), ((7, 2), (6, 2))])
        # false first: a (no false finding) beats both others
        self.assertEqual(pairs("false_first", False), [((5, 2), (6, 2)), ((5, 2), (7, 2))])
        # every draft is wrong: with reference pairs, a reference report beats the best draft(s) too
        with_ref = pairs("false_first", True)
        self.assertEqual(len(with_ref), 3)
        self.assertIn((5, 2), [w for _, w in with_ref])
        self.assertEqual(parse_config(PreferenceConfig, ["--reference-pairs", "false"], "").reference_pairs, False)
        with self.assertRaises(SystemExit), contextlib.redirect_stderr(io.StringIO()):
            parse_config(PreferenceConfig, ["--reference-pairs", "maybe"], "")

    def marker_gap(self, module):
        """log π(a draft with the marker) − log π(the same without it), on blank image tokens."""
        img = torch.zeros(2, self.source["architecture"]["n_image_tokens"], module.cfg.d_model)
        eos = self.manifest["special_ids"]["eos"]
        seqs = pad_sequences([(7, 8, eos), (7, self.marker, 8, eos)], self.manifest["special_ids"]["bos"])
        with torch.no_grad():
            return float(sequence_logp(module, img, seqs).diff())

    def test_training_prefers_the_better_draft_on_val_and_keeps_the_caption_loss(self):
        before, after = self.history[0], self.history[-1]
        self.assertEqual(self.counts["val_pairs"], 12 + 4)
        self.assertEqual(before["val_pair_accuracy"], 0.0)  # π = π_ref: no margin yet
        self.assertGreater(after["val_pair_accuracy"], 0.9)
        self.assertGreater(after["val_pair_margin"], 0.0)
        self.assertLess(after["val_ce"], before["val_ce"])  # the anchor fits the reports too
        start, _ = load_folder(self.model_dir, dropout=0.0)
        self.assertLess(self.marker_gap(self.module), self.marker_gap(start) - 1.0)  # the marker became less likely
        # the preference, not the anchor (whose reports never hold the marker), sets the direction
        self.assertGreater(self.marker_gap(self.flipped), self.marker_gap(start) + 1.0)

    def test_written_folder_records_the_run(self):
        on_disk = json.loads((Path(self.cfg.out) / "manifest.json").read_text())
        run = on_disk["training"]["finding_preference"]
        self.assertEqual(on_disk["version"], "0.0.2")
        self.assertEqual(run["train_pairs"], self.counts["train_pairs"])
        self.assertEqual(len(run["history"]), self.cfg.epochs + 1)
        for precision, entries in self.written["files"].items():
            self.assertNotEqual(entries["decoder_model_merged"]["sha256"],
                                self.source["files"][precision]["decoder_model_merged"]["sha256"])

    def test_bad_inputs_say_what_to_do(self):
        with self.assertRaisesRegex(TuneError, "sweep-rerank -- --split train"):
            read_candidates(str(Path(self.tmp.name) / "missing.jsonl"), CONFIG)
        with self.assertRaisesRegex(TuneError, "--config"):
            read_candidates(self.cfg.candidates, "3x1:0")
        tokens = torch.zeros(1, 1, 4, dtype=torch.int64)
        with self.assertRaisesRegex(TuneError, "not in the corpus split"):
            build_pairs([("elsewhere/1", [((5, 2), 0), ((6, 2), 1)])], {}, tokens, tokens[:, :, 0] != 0, 4,
                        np.random.default_rng(0))


if __name__ == "__main__":
    unittest.main()
