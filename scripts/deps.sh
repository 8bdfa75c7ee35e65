#!/usr/bin/env bash
# Installs what Pedigree needs, only what is missing (idempotent), on Debian 12.
#   scripts/deps.sh core      Rust toolchain, C toolchain, OpenSSL headers
#   scripts/deps.sh desktop   + WebKitGTK and friends (Tauri 2), Node packages of ui/
#   scripts/deps.sh test      + Xvfb, WebKitWebDriver, Chromium, tauri-driver, Python venv
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-core}"
export PATH="$HOME/.cargo/bin:$PATH"

apt_missing=()
want_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || apt_missing+=("$1"); }
for p in build-essential pkg-config libssl-dev openssl git curl python3 python3-venv; do want_pkg "$p"; done
if [ "$mode" != core ]; then
  for p in libwebkit2gtk-4.1-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev file; do want_pkg "$p"; done
fi
if [ "$mode" = test ]; then
  # xdotool: the desktop end-to-end test answers the native GTK file chooser with it.
  # xfsprogs: `register --link` is tested on an XFS image (reflinks) where the machine can mount one.
  # docker-registry: the OCI registry the sync tests push to and pull from (started by the
  # tests on a free loopback port; Debian's package does not start one in a container);
  # apache2-utils: htpasswd for its basic-auth tests; zstd: the reference compressor of the
  # tar+zstd layers the OCI import test reads; openssh-client: ssh-keygen makes the OpenSSH keys
  # the identity tests sign with.
  for p in xvfb xauth webkit2gtk-driver chromium dbus fonts-dejavu-core poppler-utils xdotool xfsprogs \
    docker-registry apache2-utils zstd openssh-client; do want_pkg "$p"; done
fi
if ((${#apt_missing[@]})); then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "deps: installing apt packages: ${apt_missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${apt_missing[@]}"
  # The package starts a system-wide registry on :5000 where an init system runs; the tests
  # start their own, so that one is stopped and disabled again.
  if [[ " ${apt_missing[*]} " == *" docker-registry "* ]] && command -v systemctl >/dev/null \
    && systemctl is-enabled -q docker-registry 2>/dev/null; then
    $sudo systemctl disable --now docker-registry || true
  fi
fi

if ! command -v cargo >/dev/null; then
  echo "deps: installing the Rust toolchain (rustup)"
  curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
fi

[ "$mode" = core ] && exit 0

# Node 20.19+ (Vite 8). Debian 12's own nodejs is 18: say so instead of failing obscurely.
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a==20&&b>=19)?0:1)' 2>/dev/null; then
  echo "deps: Node.js >= 20.19 is required for the UI (found: $(node --version 2>/dev/null || echo none)); install it from https://nodejs.org or NodeSource and re-run" >&2
  exit 1
fi
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "deps: npm ci (ui/)"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi

[ "$mode" = test ] || exit 0

tools="${PEDIGREE_TOOLS:-$HOME/.cache/pedigree/tools}"
if [ ! -x "$tools/bin/tauri-driver" ]; then
  echo "deps: cargo install tauri-driver ^2 (about 30 s)"
  cargo install tauri-driver --version '^2' --locked --root "$tools" --quiet
fi
