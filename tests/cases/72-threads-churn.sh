# Threads created and joined without pause while the freeze runs
# (progs/threads.c churn): the freeze catches every thread (re-scanning until
# the set is stable), the original goes on after a freeze without --kill,
# and the resumed copy goes on creating and joining (pthread_join wakes
# through the restored clear_child_tid futex).
start out threads churn
P=$PID
ready out "$P"
for i in 1 2 3; do
	freeze_ok "$P" -o "$T/live.$i.cryo"
	keeps_running out "$P" 2
done
finish "$P"
basic_cycle out threads churn
finish "$RPID"
