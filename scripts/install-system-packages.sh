#!/usr/bin/env bash
# System libraries and fonts that WeasyPrint and the official documents need:
# Pango, libharfbuzz-subset0 (fast font subsetting), Noto CJK fonts, and the FandolFang
# (仿宋) and FandolKai (楷体) faces taken out of Debian's texlive-lang-chinese package
# without installing TeX.
# Installs what is missing when run as root; otherwise says what to install.
# With --browser (./run test): also Debian's Chromium for the browser journeys (never a
# browser download), GNU gettext for the translation check and, where node is there,
# axe-core from tests/browser/package-lock.json.
set -euo pipefail

# test_tool PACKAGE PATH PURPOSE: install Debian's PACKAGE unless PATH is there (as root),
# or say how.
test_tool() {
  [ -x "$2" ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "[xundiao] installing $1 ($3)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$1" >/dev/null
  else
    echo "[xundiao] Not root: for $3: sudo apt-get install -y --no-install-recommends $1" >&2
  fi
}

if [ "${1:-}" = "--browser" ]; then
  test_tool chromium /usr/bin/chromium "the browser journeys"
  # GNU gettext for the translation check (tests/test_translations.py: makemessages, msgfmt).
  test_tool gettext /usr/bin/xgettext "the translation check"
  browser_dir="$(dirname "$0")/../tests/browser"
  if [ ! -f "$browser_dir/node_modules/axe-core/axe.min.js" ] \
    || [ "$browser_dir/package-lock.json" -nt "$browser_dir/node_modules/.package-lock.json" ]; then
    if command -v npm >/dev/null 2>&1; then
      echo "[xundiao] installing axe-core (pinned in tests/browser/package-lock.json) with npm ci" >&2
      (cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    else
      echo "[xundiao] no npm: the browser tests' accessibility check needs axe-core (npm ci in tests/browser)" >&2
    fi
  fi
fi

FONT_DIR=/usr/local/share/fonts/fandol
PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fontconfig)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
need_fandol=0
ls "$FONT_DIR"/FandolFang-Regular.otf "$FONT_DIR"/FandolKai-Regular.otf >/dev/null 2>&1 \
  || need_fandol=1

if [ ${#missing[@]} -eq 0 ] && [ $need_fandol -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "[xundiao] Not root: please install these yourself, then re-run:" >&2
  [ ${#missing[@]} -gt 0 ] && echo "  sudo apt-get install -y ${missing[*]}" >&2
  if [ $need_fandol -eq 1 ]; then
    echo "  the FandolFang and FandolKai fonts: sudo bash scripts/install-system-packages.sh" >&2
  fi
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  echo "[xundiao] installing ${missing[*]}" >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ $need_fandol -eq 1 ]; then
  echo "[xundiao] extracting FandolFang and FandolKai from texlive-lang-chinese" \
    "(TeX is not installed)" >&2
  work=$(mktemp -d)
  chmod 755 "$work"
  # apt downloads as the unprivileged _apt user: let it write here, or apt-get download
  # warns "Download is performed unsandboxed as root … _apt".
  if id -u _apt >/dev/null 2>&1; then
    chown _apt "$work"
  fi
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get download -qq texlive-lang-chinese >/dev/null)
  dpkg-deb -x "$work"/texlive-lang-chinese_*.deb "$work/x"
  mkdir -p "$FONT_DIR"
  find "$work/x" \( -name 'FandolFang-*.otf' -o -name 'FandolKai-*.otf' \) \
    -exec cp {} "$FONT_DIR"/ \;
  fc-cache -f >/dev/null 2>&1 || true
fi
