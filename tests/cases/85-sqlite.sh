# sqlite3 with an in-memory database holding a table (issue 4): the table is
# queried after the resume in a new window; .quit leaves a sane terminal.
# (Typed lines end in "; ": tmux takes a final ";" as its own separator.)
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed (run tools/install-deps.sh)"
tmux_init
tmux_session orig 80 24 "cd $T && exec $B/launch $(command -v sqlite3)"
ORIG=$PANE_PID
wait_for_screen orig '^sqlite>$' 30 "$ORIG"
tmux_type orig "create table t(n integer, s text); insert into t values (1, 'one'), (2, 'two'); "
tmux_type orig "select count(*) || ' rows before' from t; "
wait_for_screen orig '^2 rows before' 20 "$ORIG"
freeze_ok --kill "$ORIG" -o "$T/sqlite.cryo"
wait_pane_dead orig

tm_resume new 100 30 "$T/sqlite.cryo"
tmux_type new "insert into t values (3, 'three'); "
tmux_type new "select group_concat(s, '+') || ' after' from t; "
wait_for_screen new '^one\+two\+three after' 20 "$RPID"
tmux_type new '.quit'
wait_dead "$RPID" 20
wait_sane new
true
