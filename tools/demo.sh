#!/usr/bin/env bash
# The main job: fill-mask on the model card's sample input.
#   bash tools/demo.sh [MODEL_DIR]     (or DBN_MODEL=DIR)
# Without a model directory it makes a RANDOM-weight checkpoint of the real distilbert-base
# shape with the real vocabulary, so the predictions are meaningless words.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
model="${1:-${DBN_MODEL:-}}"
if [ -z "$model" ]; then
  model=fixtures/random-base
  /usr/bin/python3 tools/model/make-fixture.py --out "$model" --size base --seed 0
  echo
  echo "NOTE: no model given; using RANDOM weights of the distilbert-base-uncased shape in $model."
  echo "      Predictions are meaningless. Point at real weights: bash tools/demo.sh /path/to/distilbert-base-uncased"
fi
echo
node dist/cli/main.js fill-mask --model "$model" --top-k 5 "Paris is the [MASK] of France." "Today is a [MASK] day!"
