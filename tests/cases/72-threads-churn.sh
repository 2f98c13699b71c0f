# Threads created and joined without pause while the freeze runs
# (progs/threads.c churn): the freeze catches every thread (re-scanning until
# the set is stable), the original goes on after a freeze without --kill
# (and stays stopped, every thread, when job-stopped or with --stop),
# and the resumed copy goes on creating and joining (pthread_join wakes
# through the restored clear_child_tid futex).
start out threads churn
P=$PID
ready out "$P"
for i in 1 2 3; do
	freeze_ok "$P" -o "$T/live.$i.cryo"
	keeps_running out "$P" 2
done
# Stopped by job control, or by --stop: every thread stays stopped.
all_stopped() {
	local t
	for t in /proc/"$P"/task/*; do
		[ "$(pstate "$P/task/${t##*/}")" = T ] || return 1
	done
}
kill -STOP "$P"
for i in $(seq 100); do all_stopped && break; sleep 0.05; done
freeze_ok "$P" -o "$T/stopped.cryo"
all_stopped || fail "after the freeze a thread of the job-stopped target runs"
kill -CONT "$P"
keeps_running out "$P" 2
freeze_ok --stop "$P" -o "$T/stop.cryo"
for i in $(seq 100); do all_stopped && break; sleep 0.05; done
all_stopped || fail "freeze --stop left a thread running"
kill -CONT "$P"
keeps_running out "$P" 2
finish "$P"
basic_cycle out threads churn
finish "$RPID"
