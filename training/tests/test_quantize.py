"""Weight-only quantisation: round-trip error bounds, the MatMulNBits byte layout as onnxruntime reads it,
and quantised graphs that pass onnx.checker."""
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from training.ort_node import run_onnx
from training.quantize import (BLOCK, dequantize_int8, dequantize_q4, quantize_graph, quantize_int8, requantize_exact, uint8_grid,
                               quantize_q4)


def matmul_model(w, op="MatMul"):
    """Y = X @ W (MatMul, W [K,N]) or Gemm with transB (W [N,K]) as a one-node fp32 model."""
    k = w.shape[0] if op == "MatMul" else w.shape[1]
    n = w.shape[1] if op == "MatMul" else w.shape[0]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, k])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, n])
    attrs = {"transB": 1} if op == "Gemm" else {}
    node = helper.make_node(op, ["x", "w"], ["y"], **attrs)
    graph = helper.make_graph([node], "g", [x], [y], [numpy_helper.from_array(w.astype(np.float32), "w")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


class QuantizeTest(unittest.TestCase):
    def setUp(self):
        self.rng = np.random.default_rng(0)

    def test_int8_round_trip_within_half_a_step_per_channel(self):
        for shape, axis in [((48, 20), 1), ((20, 48), 0), ((16, 8, 3, 3), 0)]:
            w = self.rng.standard_normal(shape).astype(np.float32) * self.rng.uniform(0.01, 2, shape[axis]).reshape(
                [-1 if i == axis else 1 for i in range(len(shape))])
            q, scale = quantize_int8(w, axis)
            self.assertEqual(q.dtype, np.int8)
            self.assertEqual(scale.shape, (shape[axis],))
            err = np.abs(dequantize_int8(q, scale, axis) - w)
            bound = np.expand_dims(scale, [i for i in range(len(shape)) if i != axis]) / 2 + 1e-7
            self.assertTrue((err <= bound).all())

    def test_q4_round_trip_within_a_step_per_block(self):
        w = self.rng.standard_normal((40, 6)).astype(np.float32)  # K = 40: padded to 2 blocks
        b, scales, zps = quantize_q4(w)
        self.assertEqual(b.shape, (6, 2, BLOCK // 2))
        self.assertEqual(scales.shape, (12,))
        self.assertEqual(zps.shape, (6,))  # ceil(2 blocks / 2) bytes per row
        err = np.abs(dequantize_q4(b, scales, zps, 40) - w)
        step = np.repeat(scales.reshape(6, 2), BLOCK, axis=1)[:, :40].T
        self.assertTrue((err <= step + 1e-6).all())  # the rounded zero point can cost a step at the block's ends
        self.assertLess(float((err / step).mean()), 0.3)

    def test_q4_nibble_order_low_first(self):
        codes = np.arange(32) % 16  # exactly representable: scale 0.125, zero point 8
        w = ((codes - 8) * 0.125).astype(np.float32).reshape(32, 1)
        b, scales, zps = quantize_q4(w)
        self.assertEqual(float(scales[0]), 0.125)
        self.assertEqual(zps[0], 8)  # one block: zero point in the low nibble, high nibble padding
        np.testing.assert_array_equal(b[0, 0] & 0x0F, codes[0::2])  # even k in the low nibble
        np.testing.assert_array_equal(b[0, 0] >> 4, codes[1::2])

    def test_onnxruntime_reads_the_layout(self):
        k, n = 72, 24
        w = self.rng.standard_normal((k, n)).astype(np.float32)
        x = self.rng.standard_normal((3, k)).astype(np.float32)
        with tempfile.TemporaryDirectory() as tmp:
            paths = {}
            for mode in ("int8", "q4"):
                q = quantize_graph(matmul_model(w), mode)
                onnx.checker.check_model(q)
                paths[mode] = Path(tmp) / f"{mode}.onnx"
                onnx.save(q, str(paths[mode]))
            gemm = quantize_graph(matmul_model(w.T.copy(), "Gemm"), "int8")
            paths["gemm"] = Path(tmp) / "gemm.onnx"
            onnx.save(gemm, str(paths["gemm"]))
            # 'basic': no fusions, so the graph's own arithmetic is checked. At 'extended'+ onnxruntime's CPU
            # provider fuses DequantizeLinear→MatMul into a dynamically quantised matmul (8-bit activations too).
            exact = {"graphOptimizationLevel": "basic"}
            r = run_onnx([(paths[m], {"x": x}, exact) for m in ("int8", "q4", "gemm")])
            fused = run_onnx([(paths["int8"], {"x": x})])[0]["y"]
        ops = {n.op_type for n in quantize_graph(matmul_model(w), "q4").graph.node}
        self.assertEqual(ops, {"MatMulNBits"})
        q, s = quantize_int8(w, 1)
        np.testing.assert_allclose(r[0]["y"], x @ dequantize_int8(q, s, 1), atol=1e-4)
        np.testing.assert_allclose(r[1]["y"], x @ dequantize_q4(*quantize_q4(w), k), atol=1e-4)
        np.testing.assert_allclose(r[2]["y"], x @ dequantize_int8(*quantize_int8(w.T.copy(), 0), 0).T, atol=1e-4)
        self.assertLess(np.abs(r[1]["y"] - x @ w).max(), 0.25 * np.abs(x @ w).max())
        self.assertLess(np.abs(fused - x @ w).max(), 0.05 * np.abs(x @ w).max())

    def test_weights_on_a_uint8_grid_are_stored_exactly(self):
        """A conv whose weights were dequantised from uint8 (as the TFLite MobileNetV2's are) keeps the same numbers
        as uint8 + scale + zero point; weights off any 8-bit grid stay fp32."""
        scale, zero = np.float32(0.0374), 131
        q = self.rng.integers(0, 256, size=(8, 4, 3, 3))
        w = (scale * (q.astype(np.float32) - zero)).astype(np.float32)
        found = uint8_grid(w)
        self.assertIsNotNone(found)
        np.testing.assert_allclose(found[1] * (found[0].astype(np.float32) - found[2].astype(np.float32)), w, atol=1e-6)
        self.assertIsNone(uint8_grid(self.rng.standard_normal((8, 4, 3, 3)).astype(np.float32)))
        x = self.rng.standard_normal((1, 4, 6, 6)).astype(np.float32)
        graph = helper.make_graph(
            [helper.make_node("Conv", ["x", "w_on"], ["a"], name="/f/on/Conv", pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["a", "w_off"], ["y"], name="/f/off/Conv", pads=[1, 1, 1, 1])],
            "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 6, 6])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 6, 6])],
            [numpy_helper.from_array(w, "w_on"), numpy_helper.from_array(self.rng.standard_normal((2, 8, 3, 3)).astype(np.float32), "w_off")])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        with tempfile.TemporaryDirectory() as tmp:
            onnx.save(model, str(Path(tmp) / "f.onnx"))
            exact = requantize_exact(onnx.ModelProto.FromString(model.SerializeToString()), "/f/")
            onnx.checker.check_model(exact)
            onnx.save(exact, str(Path(tmp) / "q.onnx"))
            want, got = run_onnx([(Path(tmp) / "f.onnx", {"x": x}), (Path(tmp) / "q.onnx", {"x": x})])
        kinds = {i.name: i.data_type for i in exact.graph.initializer}
        self.assertEqual(kinds["w_on_u8"], TensorProto.UINT8)
        self.assertEqual(kinds["w_off"], TensorProto.FLOAT)
        np.testing.assert_allclose(got["y"], want["y"], atol=1e-4)

    def test_lm_head_and_last_decoder_block_stay_float(self):
        w = self.rng.standard_normal((64, 64)).astype(np.float32)
        inits = [numpy_helper.from_array(w, f"w{i}") for i in range(4)]
        names = ["/decoder/blocks.0/mlp/MatMul", "/decoder/blocks.1/mlp/MatMul", "/lm_head/MatMul", "/text_head/MatMul"]
        nodes = [helper.make_node("MatMul", ["x", f"w{i}"], [f"y{i}"], name=n) for i, n in enumerate(names)]
        graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
                                  [helper.make_tensor_value_info(f"y{i}", TensorProto.FLOAT, [1, 64]) for i in range(4)],
                                  initializer=inits)
        q = quantize_graph(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), "int8")
        weight_of = {n.name: n.input[1] for n in q.graph.node if n.op_type == "MatMul"}
        self.assertEqual(weight_of["/decoder/blocks.0/mlp/MatMul"], "w0_dq")  # earlier blocks: int8
        self.assertEqual(weight_of["/text_head/MatMul"], "w3_dq")
        self.assertEqual(weight_of["/decoder/blocks.1/mlp/MatMul"], "w1")  # the last block and the LM head: fp32
        self.assertEqual(weight_of["/lm_head/MatMul"], "w2")

    def test_small_weights_stay_float(self):
        q = quantize_graph(matmul_model(self.rng.standard_normal((8, 8))), "int8")
        self.assertEqual([n.op_type for n in q.graph.node], ["MatMul"])
        self.assertEqual(q.graph.initializer[0].data_type, TensorProto.FLOAT)


if __name__ == "__main__":
    unittest.main()
