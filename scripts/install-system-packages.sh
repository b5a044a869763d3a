#!/usr/bin/env bash
# System libraries and fonts that WeasyPrint and the official documents need:
# Pango, libharfbuzz-subset0 (fast font subsetting), Noto CJK fonts, and the FandolFang
# (仿宋) and FandolKai (楷体) faces taken out of Debian's texlive-lang-chinese package
# without installing TeX.
# Installs what is missing when run as root; otherwise says what to install.
set -euo pipefail

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
