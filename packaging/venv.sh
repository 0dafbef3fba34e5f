# Sourced by desktop/run and tests/run: make sure .venv exists and holds the project with the
# given extras. Installs only when pyproject.toml changed, so the second run starts at once.
# usage: . packaging/venv.sh [EXTRAS]     (e.g. "train,dev"; empty = just the app)
# pip shows what it downloads (progress bars on a terminal; PIP_PROGRESS_BAR=off turns them off,
# as CI does). pip reads the other PIP_* variables too, e.g. PIP_EXTRA_INDEX_URL for PyTorch's
# CPU-only wheels: see "CPU-only PyTorch" in README.md.
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
    case ",$extras," in
        *,train,*)
            echo "This includes PyTorch: about 5 GB from PyPI, several minutes." >&2
            if [ -z "${PIP_EXTRA_INDEX_URL:-}${PIP_INDEX_URL:-}" ] \
                && ! command -v nvidia-smi >/dev/null 2>&1 && [ ! -e /proc/driver/nvidia ]; then
                echo "No NVIDIA GPU found: PyPI's PyTorch brings about 3 GB of CUDA libraries" \
                     "this machine cannot use. For the CPU-only build (under 1 GB), see" \
                     "\"CPU-only PyTorch\" in README.md." >&2
            fi
            ;;
    esac
    # stdout goes to stderr so that scripts sourcing this file keep their own stdout clean.
    "$VENV/bin/python" -m pip install --disable-pip-version-check \
        -e "$ROOT${extras:+[$extras]}" >&2
    echo "$want" > "$stamp"
fi
PYTHON="$VENV/bin/python"
