# Sourced by desktop/run and tests/run: make sure .venv exists and holds the project with the
# given extras. Installs only when pyproject.toml changed, so the second run starts at once.
# usage: . packaging/venv.sh [EXTRAS]     (e.g. "train,dev"; empty = just the app)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${DIGIT_LENS_VENV:-$ROOT/.venv}"
extras="${1:-}"
stamp="$VENV/.installed-${extras:-app}"
want="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ]; then
    echo "Creating a virtual environment in $VENV ..." >&2
    python3 -m venv "$VENV"
fi
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
    echo "Installing Digit Lens${extras:+ with [$extras]} into $VENV (first run only) ..." >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        -e "$ROOT${extras:+[$extras]}"
    echo "$want" > "$stamp"
fi
PYTHON="$VENV/bin/python"
