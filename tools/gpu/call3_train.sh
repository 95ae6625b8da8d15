#!/usr/bin/env bash
# Lent-GPU call 3 of 3: the last part of the corpus, then the model and its λ = 0 ablation (training/gpu_train.sh).
#   tools/gpu/call3_train.sh [BUDGET_MIN [TRAIN ARGS…]]
# Model 2's recipe (ImageNet MobileNetV2, robust augmentation), after staging the weights here with
# `/usr/bin/python3 -m training.mobilenet_v2 --save .gpu3/stage/mobilenet_v2.pt`:
#   tools/gpu/call3_train.sh 6 --vision mobilenet_v2 --vision-init imagenet --imagenet-weights /tmp/stage/mobilenet_v2.pt --augment robust
cp -r .gpu3/stage/. /tmp/stage/ && bash training/gpu_train.sh /tmp/stage "$OUT" "${1:-6}" "${@:2}"
