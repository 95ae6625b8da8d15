#!/usr/bin/env bash
# Lent-GPU call 3 of 3: the last part of the corpus, then the model and its λ = 0 ablation (training/gpu_train.sh).
cp -r .gpu3/stage/. /tmp/stage/ && bash training/gpu_train.sh /tmp/stage "$OUT" "${1:-6}"
