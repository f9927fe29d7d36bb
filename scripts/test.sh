#!/usr/bin/env bash
# Run the whole test suite (torch backend; the JAX smoke test runs too when JAX is installed).
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-python3}" -m pytest -q "$@"
