#!/usr/bin/env bash
# Run on a machine with network, before scripts/gpu_check.sh runs on a GPU machine that has none: puts into .gpu/
# (git-ignored; copy it to the GPU machine's checkout) what that machine's image lacks for zoo's main job:
#   .gpu/wheels/  hydra-core, omegaconf and antlr4 (pure Python; the image has torch, Lightning, tokenizers,
#                 sacrebleu, but no Hydra)
#   .gpu/de-en    the Ding dictionary (Debian's trans-de-en), the main job's data, 25 MB
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .gpu/wheels
python3 -m pip download --quiet --no-deps --only-binary=:all: -d .gpu/wheels hydra-core==1.3.8 omegaconf==2.3.1
# antlr4-python3-runtime 4.9.3 (the version omegaconf 2.3 requires) is published as a source archive only
python3 -m pip wheel --quiet --no-deps -w .gpu/wheels antlr4-python3-runtime==4.9.3
cp /usr/share/trans/de-en .gpu/de-en
ls -l .gpu .gpu/wheels
