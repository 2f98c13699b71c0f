# eventfds, timerfds, a signalfd, epoll (watching some of them) and inotify
# all at once in one process (progs/evfds.c all).
mkdir w
basic_cycle out evfds all "$T/w"
wait_line out "^$RPID timerfd 31 had" 10 "$RPID"
keeps_running out "$RPID" 6
finish "$RPID"

# Freezing without --kill leaves no trace: the original goes on with all of
# them (the remote timerfd_gettime and FIONREAD change nothing it can see).
mkdir w3
start out.nokill evfds all "$T/w3"
P=$PID
ready out.nokill "$P" 3
freeze_ok "$P" -o "$T/nokill.cryo"
keeps_running out.nokill "$P" 6
finish "$P"
