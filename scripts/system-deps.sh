#!/usr/bin/env bash
# System libraries the project needs beyond Python: WeasyPrint's Pango/HarfBuzz and fonts (required), GNU gettext
# (optional: only to extract new strings), Debian's Chromium (optional: browser tests skip without it).
# On Debian/Ubuntu they are installed with apt-get, as root or through password-less sudo; elsewhere we stop
# with the exact list to install.
#   scripts/system-deps.sh            required libraries only, browser if it can be installed
#   scripts/system-deps.sh --ci       everything, and fail if anything is missing
set -euo pipefail
mode="${1:-}"
python="${PYTHON_BIN:-.venv/bin/python}"

need_pdf=0; need_gettext=0; need_browser=0
"$python" -c "import weasyprint" >/dev/null 2>&1 || need_pdf=1
fc-list 2>/dev/null | grep -qi dejavu || need_pdf=1
command -v msgfmt >/dev/null 2>&1 || need_gettext=1
[ -x /usr/bin/chromium ] || need_browser=1

debs=()
[ $need_pdf = 1 ] && debs+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
[ $need_gettext = 1 ] && [ "$mode" = "--ci" ] && debs+=(gettext)
[ $need_browser = 1 ] && debs+=(chromium)
[ ${#debs[@]} = 0 ] && exit 0

sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else sudo="none"; fi
fi

if command -v apt-get >/dev/null 2>&1 && [ "$sudo" != "none" ]; then
  echo "Installing system packages: ${debs[*]}"
  $sudo apt-get update -qq
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${debs[@]}" >/dev/null; then
    # The browser is optional outside CI: never block the rest on it.
    if [ "$mode" != "--ci" ] && [ $need_browser = 1 ]; then
      debs=("${debs[@]/chromium}")
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends ${debs[*]} >/dev/null
    else
      exit 1
    fi
  fi
  exit 0
fi

if [ $need_pdf = 1 ] || [ "$mode" = "--ci" ]; then
  echo "Missing system libraries. Install them with your package manager, then run the command again:" >&2
  echo "  Debian/Ubuntu: apt-get install ${debs[*]}" >&2
  echo "  Fedora:        dnf install pango harfbuzz dejavu-sans-fonts gettext chromium" >&2
  echo "  macOS:         brew install pango gettext && brew install --cask chromium" >&2
  exit 1
fi
echo "Note: Chromium is not installed; browser tests will be skipped (apt-get install chromium)." >&2
