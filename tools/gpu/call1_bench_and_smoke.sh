#!/usr/bin/env bash
# Lent-GPU call 1 of 3 (see training/README.md, "Training on a lent GPU"): WebGPU vs CPU timings of the shipped
# architecture through onnxruntime-node (recipe ../shared/gpu/README.md), a CUDA smoke run of the trainer under the
# machine's PyTorch, and the first part of the packed corpus staged in /tmp/stage for the later calls.
set -uo pipefail
export PYTHONUNBUFFERED=1
for f in .gpu/debs/*.deb; do dpkg -x "$f" /; done; ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
mkdir -p /tmp/g /tmp/stage && tar -xJf .gpu/payload.tar.xz -C /tmp/g && cp -r .gpu/model /tmp/g/model
cp -r .gpu1/stage/. /tmp/stage/
cp .gpu/gpu-bench.mjs /tmp/g/   # built here by `npm run build:gpu-bench` (the engine's decoder driver, bundled)
(cd /tmp/g && timeout 240 ./node gpu-bench.mjs --model model --out "$OUT/gpu_bench.json" --precisions int8,q4 --runs 7) 2>&1 | tail -n 30
python3 -c "from training.tests.corpus_fixture import write_synthetic_corpus as w; w('/tmp/syn')" &&
  timeout 150 python3 -m training.train --corpus /tmp/syn --smoke --device cuda --out /tmp/smoke --time-budget-min 0.3 2>&1 | tail -n 8
du -sh /tmp/stage
