#!/usr/bin/env bash
# Lent-GPU run of model 2 in two calls (training/README.md, "Training on a lent GPU machine"). The packed corpus
# (training/transfer.py, records.jsonl left out: training does not read it) travels in two parts:
#   tools/gpu/call_m2.sh stage            # call A, carry .gpu1: the first part into /tmp/stage
#   tools/gpu/call_m2.sh train [MIN [NAME=ARGS…]]  # call B, carry .gpu2: the rest, then the runs side by side on
#                                         # the GPU, same seed and time budget (default 6 min). A spec NAME<BASE=ARGS
#                                         # is a fine-tune: it starts when BASE ends, from BASE's best checkpoint
#                                         # (--init-from), with ARGS alone (give it its own --time-budget-min or
#                                         # --epochs); the fine-tunes of one base run side by side. By default:
#     m2l0     ImageNet MobileNetV2, robust augmentation, λ 0 (session 19's best: val 0.897 / 0.055 after 3.1 min)
#     m2lr3    the same with λ 0.5 at peak LR 3e-4 (at 1.2e-3 and 6e-4 the pair term collapsed: docs/RESULTS.md,
#              "Model 2 on a lent H200")
#     m2l0std  m2l0 with the standard augmentation (what the robust augmentation costs)
# The carries are built here once (both folders are listed in .git/info/exclude; the tracked model files, 70 MiB, must
# be moved aside and out of the index for the calls, since the working tree that travels may hold 64 MiB):
#   /usr/bin/python3 -m training.transfer pack corpus /tmp/gpack --splits train,val --part-mib 40
#   /usr/bin/python3 -m training.mobilenet_v2 --save /tmp/mnv2.pt     # then saved as fp16: 7 MB
#   .gpu1/stage: meta.json, tokenizer.json, val/*.xz.*, train/pixels.res.xz.000, mobilenet_v2.pt
#   .gpu2/stage: train/pixels.res.xz.001 and train/{labels,tokens,views}.npy.xz.000
# Each run's best checkpoint comes back as fp16 weights ($OUT/NAME.ckpt.pt, under the 16 MiB a returned file may
# hold) with its log; `training/ckpt_fp16.py` here turns it back into an fp32 checkpoint for `npm run export`. Then,
# here on the CPU: `npm run complete-model -- --model DIR` (the shipped folder's towers, detector, image reader and
# lesion map carried over; finding reader, gates and decoding defaults refitted on val; ~17 min) and `npm run eval`.
set -uo pipefail
export PYTHONUNBUFFERED=1
tmp=${GPU_TMP:-/tmp}  # the lent machine's scratch (stage, corpus, runs); tools/gpu/callM2.test.ts points it elsewhere
case "${1:-}" in
  stage)
    mkdir -p "$tmp/stage" && cp -r .gpu1/stage/. "$tmp/stage/" && du -sh "$tmp/stage"
    nvidia-smi --query-gpu=name,memory.total --format=csv,noheader ;;
  train)
    budget=${2:-6}
    mkdir -p "$tmp/stage" && cp -r .gpu2/stage/. "$tmp/stage/" && du -sh "$tmp/stage"
    python3 -m training.transfer unpack "$tmp/stage" "$tmp/corpus" || exit 1
    shared=(--corpus "$tmp/corpus" --device cuda --seed 0)  # every run; a fine-tune adds only its own ARGS
    common=("${shared[@]}" --time-budget-min "$budget" --vision mobilenet_v2 --vision-init imagenet
            --imagenet-weights "$tmp/stage/mobilenet_v2.pt")
    declare -A runs=([m2l0]="--augment robust --lambda 0" [m2lr3]="--augment robust --lr 3e-4"
                     [m2l0std]="--augment standard --lambda 0")
    declare -A tunes=()  # "NAME<BASE" → ARGS
    if [ $# -gt 2 ]; then
      runs=()
      for spec in "${@:3}"; do
        key=${spec%%=*}
        if [[ $key == *"<"* ]]; then tunes[$key]="${spec#*=}"; else runs[$key]="${spec#*=}"; fi
      done
    fi
    for key in "${!tunes[@]}"; do
      [ -n "${runs[${key#*<}]+set}" ] || { echo "fine-tune $key: no run named ${key#*<}"; exit 2; }
    done
    save() { [ -f "$tmp/runs/$1/ckpt.pt" ] && python3 -m training.ckpt_fp16 "$tmp/runs/$1/ckpt.pt" "$OUT/$1.ckpt.pt"; }
    for name in "${!runs[@]}"; do
      (
        # shellcheck disable=SC2086
        OMP_NUM_THREADS=5 timeout $(( budget * 60 + 150 )) python3 -m training.train "${common[@]}" ${runs[$name]} \
          --out "$tmp/runs/$name" >"$OUT/$name.log" 2>&1
        save "$name"  # at once, so a fine-tune that outruns the call cannot cost the base its checkpoint
        for key in "${!tunes[@]}"; do
          [ "${key#*<}" = "$name" ] && [ -f "$tmp/runs/$name/ckpt.pt" ] || continue
          # shellcheck disable=SC2086
          { OMP_NUM_THREADS=5 timeout 600 python3 -m training.train "${shared[@]}" \
              --init-from "$tmp/runs/$name/ckpt.pt" ${tunes[$key]} --out "$tmp/runs/${key%%<*}" \
              >"$OUT/${key%%<*}.log" 2>&1; save "${key%%<*}"; } &
        done
        wait
      ) &
    done
    wait
    for log in "$OUT"/*.log; do tail -n 4 "$log"; done
    ls -la "$OUT" ;;
  *) echo "usage: tools/gpu/call_m2.sh stage | train [BUDGET_MIN [NAME=ARGS…]]"; exit 2 ;;
esac
