#!/bin/bash
# The test suite behind `make check`.
#
#   tests/run.sh [NAME...]      run all cases, or those whose name contains NAME
#
# Each case is a script in tests/cases/ (run by tests/case.sh with the
# helpers of tests/lib.sh) that starts real programs from tests/progs/,
# freezes them with bin/freeze and resumes the images.  Run as root, every
# case runs twice: as root and as the unprivileged user `cryotest` (created
# if missing); run as anyone else, it runs once as that user.
# CRYO_TEST_AS=root|user limits a root run to one of the two;
# CRYO_TEST_KEEP=1 keeps every case's directory (and its case.log).
#
# Prints one line per case and run (PASS/FAIL/SKIP name [as user]), the tail of
# the evidence for each failure, and finally "N passed, N failed".  Exit
# status 1 if anything failed.  Each case has its own directory and a time
# limit; every process a case started is killed when it ends.
set -u
cd "$(dirname "$0")/.." || exit 2
TEST_USER=cryotest
CASE_TIMEOUT=${CRYO_CASE_TIMEOUT:-150}

for f in bin/freeze bin/cryo-info build/tests/counter; do
	[ -x "$f" ] || { echo "run.sh: $f is missing: run 'make check' (or make all test-progs)" >&2; exit 2; }
done

# Everything a case needs is copied to a world-readable directory, so the
# unprivileged user can run it wherever the checkout is.
SUITE=$(mktemp -d /tmp/cryo-tests.XXXXXX) || exit 2
chmod 755 "$SUITE"
mkdir "$SUITE/bin"
cp bin/freeze bin/cryo-info build/tests/* "$SUITE/bin/"
cp -r tests/lib.sh tests/case.sh tests/cases "$SUITE/"
chmod -R a+rX "$SUITE"
export B=$SUITE/bin CRYO_TEST_USER=$TEST_USER
export CRYO_TEST_LIFETIME=${CRYO_TEST_LIFETIME:-300}

ROOT_TICKER='' ROOT_TICKER_START=''
# starttime() tells a pid from a reused one.
. tests/lib.sh
suite_cleanup() {
	if [ -n "$ROOT_TICKER" ] && [ "$(starttime "$ROOT_TICKER")" = "$ROOT_TICKER_START" ]; then
		kill -KILL "$ROOT_TICKER" 2>/dev/null
		wait "$ROOT_TICKER" 2>/dev/null
	fi
}
trap suite_cleanup EXIT
trap 'exit 130' INT TERM

identities=()
if [ "$(id -u)" = 0 ]; then
	if ! id "$TEST_USER" >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$TEST_USER" ||
			{ echo "run.sh: cannot create user $TEST_USER" >&2; exit 2; }
	fi
	case ${CRYO_TEST_AS:-} in
	root) identities=(root) ;;
	user) identities=(user) ;;
	*) identities=(root user) ;;
	esac
	# A root-owned target for the "may not trace" case run as the user.
	mkdir "$SUITE/rootticker"
	(cd "$SUITE/rootticker" && CRYO_TEST_LIFETIME=1800 exec "$B/launch" "$B/counter" -i 100 \
		</dev/null >>out 2>>out.err) &
	ROOT_TICKER=$!
	ROOT_TICKER_START=$(starttime "$ROOT_TICKER")
	chmod 755 "$SUITE/rootticker"
	export ROOT_TICKER ROOT_TICKER_OUT=$SUITE/rootticker/out
else
	identities=(self)
fi

# kill_leftovers DIR: processes the case recorded and left running.
kill_leftovers() {
	local pid st
	[ -f "$1/.pids" ] || return 0
	while read -r pid st; do
		[ "$(starttime "$pid")" = "$st" ] && kill -KILL "$pid" 2>/dev/null
	done <"$1/.pids"
	return 0
}

passed=0 failed=0 skipped=0
start_time=$(date +%s)
for casefile in "$SUITE"/cases/*.sh; do
	name=$(basename "$casefile" .sh)
	name=${name#[0-9][0-9]-}
	if [ $# -gt 0 ]; then
		match=
		for pat in "$@"; do case $name in *"$pat"*) match=1 ;; esac; done
		[ -n "$match" ] || continue
	fi
	for who in "${identities[@]}"; do
		dir=$SUITE/$name.$who
		mkdir "$dir"
		label=$name
		case $who in
		user)
			label="$name [as $TEST_USER]"
			chown "$TEST_USER:" "$dir"
			timeout -k 10 "$CASE_TIMEOUT" setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups \
				env HOME="$dir" USER="$TEST_USER" LOGNAME="$TEST_USER" CRYO_AS=user \
				bash "$SUITE/case.sh" "$casefile" "$dir" >"$dir/case.log" 2>&1 </dev/null
			rc=$?
			;;
		*)
			[ "$who" = self ] && label="$name [as $(id -un)]"
			CRYO_AS=$who timeout -k 10 "$CASE_TIMEOUT" bash "$SUITE/case.sh" "$casefile" "$dir" \
				>"$dir/case.log" 2>&1 </dev/null
			rc=$?
			;;
		esac
		kill_leftovers "$dir"
		case $rc in
		0)
			passed=$((passed + 1))
			echo "PASS $label"
			grep '^WARN:' "$dir/case.log" | sed 's/^/    /'
			[ -n "${CRYO_TEST_KEEP:-}" ] || rm -rf "$dir"
			;;
		77)
			skipped=$((skipped + 1))
			echo "SKIP $label ($(grep -m1 '^SKIP:' "$dir/case.log" | cut -c7-))"
			rm -rf "$dir"
			;;
		*)
			failed=$((failed + 1))
			[ "$rc" = 124 ] && echo "FAIL $label (timed out after ${CASE_TIMEOUT}s)" || echo "FAIL $label"
			grep -v -e '^#' -e '^[^ ]*: line [0-9]*: *[0-9]* Killed ' "$dir/case.log" | tail -n 40 | sed 's/^/    /'
			echo "    (files kept in $dir)"
			;;
		esac
	done
done
echo "($skipped skipped, $(($(date +%s) - start_time))s)"
echo "$passed passed, $failed failed"
if [ "$failed" = 0 ] && [ -z "${CRYO_TEST_KEEP:-}" ]; then
	rm -rf "$SUITE"
	exit 0
fi
exit 1
