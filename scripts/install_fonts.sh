#!/usr/bin/env bash
# Fonts for the reply letter (复函 PDF), installed into the project folder var/fonts/:
#   FandolFang (仿宋), FandolSong Regular/Bold (宋体; Bold stands in for 小标宋),
#   FandolHei Regular/Bold (黑体), FandolKai (楷体)
# taken from Debian's texlive-lang-chinese .deb (downloaded and unpacked, TeX is not installed),
# plus a fontconfig file (var/fonts/fonts.conf) that adds them to the system fonts, where
# fonts-noto-cjk (apt, see scripts/dev.sh) is the fallback for characters Fandol lacks.
# replies/pdf.py points fontconfig at var/fonts/fonts.conf. Idempotent: does nothing when the
# fonts are already there. Works as root or with sudo (only `apt-get update` may need root).
#   FUHAN_FONT_DIR=/some/dir bash scripts/install_fonts.sh   installs elsewhere
set -euo pipefail
cd "$(dirname "$0")/.."
FONT_DIR="${FUHAN_FONT_DIR:-$(pwd)/var/fonts}"
FONTS=(FandolFang-Regular.otf FandolSong-Regular.otf FandolSong-Bold.otf
       FandolHei-Regular.otf FandolHei-Bold.otf FandolKai-Regular.otf)
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

log() { printf '\033[1;32m==> %s\033[0m\n' "$*"; }

have_all() {
  local f
  for f in "${FONTS[@]}"; do [ -s "$FONT_DIR/$f" ] || return 1; done
  [ -s "$FONT_DIR/fonts.conf" ] && grep -q "<dir>$FONT_DIR</dir>" "$FONT_DIR/fonts.conf"
}

write_conf() {
  # The project's cache folder comes first so that any user can write it; the system
  # configuration (and with it fonts-noto-cjk) is included after it.
  cat >"$FONT_DIR/fonts.conf" <<XML
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<!-- Written by scripts/install_fonts.sh: the system fonts plus the project's Fandol fonts. -->
<fontconfig>
  <cachedir>$FONT_DIR/cache</cachedir>
  <dir>$FONT_DIR</dir>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
</fontconfig>
XML
}

build_cache() {
  if ! ls "$FONT_DIR"/cache/*.cache-* >/dev/null 2>&1; then
    FONTCONFIG_FILE="$FONT_DIR/fonts.conf" fc-cache "$FONT_DIR" >/dev/null 2>&1 || true
  fi
  local found
  found=$(FONTCONFIG_FILE="$FONT_DIR/fonts.conf" fc-list : family | grep -c '^Fandol' || true)
  if [ "$found" -lt 4 ]; then
    echo "字体安装失败：fontconfig 未找到 Fandol 字体（$FONT_DIR）" >&2
    exit 1
  fi
}

if have_all; then
  build_cache
  exit 0
fi
if [ -s "$FONT_DIR/FandolFang-Regular.otf" ] && [ -s "$FONT_DIR/FandolKai-Regular.otf" ]; then
  write_conf  # the fonts are there but the project moved: only the configuration is rewritten
  have_all && build_cache && exit 0
fi

command -v fc-cache >/dev/null || { echo "缺少 fontconfig，请先运行 scripts/dev.sh setup" >&2; exit 1; }
mkdir -p "$FONT_DIR"

# 1. An installed TeX Live already has them.
SRC=""
for d in /usr/share/texlive/texmf-dist/fonts/opentype/public/fandol \
         /usr/share/texmf/fonts/opentype/public/fandol; do
  [ -s "$d/FandolFang-Regular.otf" ] && SRC="$d" && break
done

# 2. Otherwise download the Debian package and unpack it without installing it.
TMP=""
cleanup() { [ -n "$TMP" ] && rm -rf "$TMP"; return 0; }
trap cleanup EXIT
if [ -z "$SRC" ]; then
  TMP=$(mktemp -d)
  chmod 755 "$TMP"
  log "下载 texlive-lang-chinese（仅取 Fandol 字体，不安装 TeX）"
  if ! (cd "$TMP" && apt-get download -qq texlive-lang-chinese >/dev/null 2>&1); then
    $SUDO apt-get update -qq
    (cd "$TMP" && apt-get download -qq texlive-lang-chinese >/dev/null 2>&1)
  fi
  dpkg-deb -x "$TMP"/texlive-lang-chinese_*.deb "$TMP/x"
  SRC="$TMP/x/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol"
  if [ -f "$TMP/x/usr/share/doc/texlive-doc/fonts/fandol/README" ]; then
    cp "$TMP/x/usr/share/doc/texlive-doc/fonts/fandol/README" "$FONT_DIR/README.fandol"
  fi
fi

for f in "${FONTS[@]}"; do
  install -m 644 "$SRC/$f" "$FONT_DIR/$f"
done
write_conf
build_cache
log "字体已安装到 $FONT_DIR"
