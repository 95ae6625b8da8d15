#!/usr/bin/env bash
# One lent-GPU run: unpack the packed corpus, train the shipped model (λ > 0) and the λ = 0 ablation side by side
# on the one GPU with the same seed and settings, and return both checkpoints (cut into parts that fit the
# device tool's 16 MiB per returned file) and their logs under OUT.
#   bash training/gpu_train.sh STAGED_CORPUS_DIR OUT [BUDGET_MIN [TRAIN ARGS…]]
# e.g. … 6 --vision mobilenet_v2 --vision-init imagenet --imagenet-weights .gpu/mobilenet_v2.pt (written here by
# `/usr/bin/python3 -m training.mobilenet_v2 --save .gpu/mobilenet_v2.pt`: the GPU machine has no flatbuffers).
# Rejoin here with:  cat OUT/full.ckpt.part* > runs/gpu-full/ckpt.pt
set -uo pipefail
staged=$1; out=$2; budget=${3:-6}
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee "$out/gpu.txt"
python3 -m training.transfer unpack "$staged" /tmp/corpus || exit 1
common=(--corpus /tmp/corpus --device cuda --time-budget-min "$budget" --seed 0 "${@:4}")
OMP_NUM_THREADS=8 timeout $(( budget * 60 + 150 )) python3 -m training.train "${common[@]}" --out /tmp/runs/full >"$out/full.log" 2>&1 &
OMP_NUM_THREADS=8 timeout $(( budget * 60 + 150 )) python3 -m training.train "${common[@]}" --lambda 0 --out /tmp/runs/lambda0 >"$out/lambda0.log" 2>&1 &
wait
for run in full lambda0; do
  [ -f /tmp/runs/$run/ckpt.pt ] && split -b 15M -d /tmp/runs/$run/ckpt.pt "$out/$run.ckpt.part"
  tail -n 3 "$out/$run.log"
done
ls -la "$out"
