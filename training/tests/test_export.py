"""export --random-tiny: a valid model folder (manifest shape of src/engine/manifest.ts, hashes, ONNX names from
modelIO.json) that onnxruntime-node runs, reproducible byte for byte."""
import hashlib
import json
import re
import tempfile
import unittest
from pathlib import Path

import onnx

from training.export import random_tiny
from training.modelio import decoder_names, load_model_io, new_kv_names, prefix_names

REPO = Path(__file__).resolve().parents[2]


def ts_interface_keys(name):
    """Field names of an exported TS interface in src/engine/manifest.ts (optional ones marked with '?')."""
    src = (REPO / "src/engine/manifest.ts").read_text()
    body = re.search(r"export interface %s[^{]*\{(.*?)\n\}" % name, src, re.S).group(1)
    keys = {}
    depth = 0
    for line in body.splitlines():
        m = re.match(r"\s*(\w+)(\??):", line)
        if m and depth == 0:
            keys[m.group(1)] = m.group(2) == "?"
        depth += line.count("{") - line.count("}")
    return keys


class RandomTinyExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name) / "tiny"
        cls.manifest = random_tiny(cls.dir)  # also runs every file in onnxruntime-node

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_manifest_has_exactly_the_ts_fields(self):
        on_disk = json.loads((self.dir / "manifest.json").read_text())
        self.assertEqual(on_disk, self.manifest)
        for iface, obj in [("ModelManifest", on_disk), ("DecodingDefaults", on_disk["decoding"]),
                           ("OodStats", on_disk["ood"])]:
            keys = ts_interface_keys(iface)
            required = {k for k, optional in keys.items() if not optional}
            self.assertLessEqual(required, set(obj), iface)
            self.assertLessEqual(set(obj), set(keys), iface)
        self.assertEqual(len(on_disk["ood"]["mean"]), on_disk["architecture"]["embed_dim"])
        self.assertGreater(on_disk["ood"]["threshold"], 0)

    def test_file_entries_match_the_files(self):
        self.assertEqual(set(self.manifest["files"]), {"fp32", "int8", "q4"})
        for files in self.manifest["files"].values():
            self.assertEqual(set(files), {"vision_encoder", "embed_tokens", "decoder_model_merged"})
            for e in files.values():
                data = (self.dir / e["path"]).read_bytes()
                self.assertEqual(len(data), e["bytes"])
                self.assertEqual(hashlib.sha256(data).hexdigest(), e["sha256"])

    def test_onnx_names_come_from_model_io(self):
        io = load_model_io()
        g = onnx.load(str(self.dir / self.manifest["files"]["fp32"]["decoder_model_merged"]["path"])).graph
        layers = self.manifest["architecture"]["n_layers"]
        ins, outs = decoder_names(io, layers)
        self.assertEqual(self.manifest["architecture"]["decoder_graph"], "fused-prefix")
        self.assertEqual([i.name for i in g.input], ins + prefix_names(io, layers))
        self.assertEqual([o.name for o in g.output], outs + new_kv_names(io, layers))
        self.assertEqual(g.input[1].type.tensor_type.elem_type, onnx.TensorProto.INT64)

    def test_reproducible(self):
        with tempfile.TemporaryDirectory() as tmp:
            again = random_tiny(Path(tmp) / "tiny", verify=False)
        self.assertEqual(again, self.manifest)


if __name__ == "__main__":
    unittest.main()
