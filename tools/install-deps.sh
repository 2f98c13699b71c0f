#!/bin/sh
# Install what cryo needs to build and run its tests, on Debian or Ubuntu:
# only the packages that are missing; uses sudo when not run as root.
#   compiler, make, static libc      build-essential
#   libelf (writes the image ELF)    libelf-dev
#   zstd, zlib (static, for the stub too)   libzstd-dev zlib1g-dev
#   tests: tmux (terminal case), setpriv/unshare (util-linux), ps (procps),
#          useradd (passwd)
#   real terminal programs (tests 80-93, make bench-apps): emacs-nox vim sqlite3 less python3
set -eu
PKGS="build-essential libelf-dev libzstd-dev zlib1g-dev tmux util-linux procps passwd
	emacs-nox vim sqlite3 less python3"

if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: no apt-get here; install the equivalents of: $PKGS" >&2
	exit 1
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps: everything is installed"
	exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "install-deps: installing$missing"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
