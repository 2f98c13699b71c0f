# eventfds, timerfds, a signalfd, epoll (watching some of them) and inotify
# all at once in one process (progs/evfds.c all).
mkdir w
basic_cycle out evfds all "$T/w"
wait_line out "^$RPID timerfd 31 had" 10 "$RPID"
keeps_running out "$RPID" 6
finish "$RPID"
