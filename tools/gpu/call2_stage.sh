#!/usr/bin/env bash
# Lent-GPU call 2 of 3: stage the second part of the packed corpus (each call may carry at most 64 MiB).
cp -r .gpu2/stage/. /tmp/stage/ && du -sh /tmp/stage && ls -R /tmp/stage | head -20
