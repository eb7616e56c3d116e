#!/usr/bin/env bash
# Fonts for the reply letter. Filled in by the PDF work (issue 3): FandolFang/Song/Hei/Kai
# unpacked from Debian's texlive-lang-chinese, with Noto CJK (apt) as fallback.
set -euo pipefail
exit 0
