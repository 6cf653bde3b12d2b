# Shared setup for bin/test and bin/demo. Source it; do not run it.
# After sourcing: the current directory is the repository root, $ROOT points at it, and
# ensure_venv creates .venv (if missing) and installs requirements.txt (if it changed).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"

VENV="$ROOT/.venv"
PY="$VENV/bin/python"
REQ_STAMP="$VENV/.requirements.sha256"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command as root: directly when we are root, through sudo otherwise.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

deb_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# ensure_packages PKG... : apt-get install the Debian packages that are not installed yet.
ensure_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        deb_installed "$pkg" || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "missing packages (${missing[*]}) and no apt-get to install them"
    say "installing system packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Packages needed to create the virtualenv, if the machine lacks a usable python3.
python_packages() {
    if ! command -v python3 >/dev/null 2>&1; then
        echo python3 python3-venv
    elif [ ! -x "$PY" ] && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
        echo python3-venv
    fi
}

ensure_venv() {
    if [ ! -x "$PY" ]; then
        say "creating virtualenv in .venv"
        python3 -m venv "$VENV"
        rm -f "$REQ_STAMP"
    fi
    local want
    want="$(sha256sum requirements.txt | cut -d' ' -f1)"
    if [ ! -f "$REQ_STAMP" ] || [ "$(cat "$REQ_STAMP")" != "$want" ]; then
        say "installing requirements.txt into .venv"
        "$PY" -m pip install -q --disable-pip-version-check -r requirements.txt
        echo "$want" >"$REQ_STAMP"
    fi
}
