/* What fd_pipe.c and fd_fileobj.c share: pipes, FIFOs, unlinked files and
 * memfds, whose state travels in the image (PIPE, FILEOBJ, FILEDATA,
 * FILEMAP records). */
#ifndef CRYO_STUB_FD_OBJ_H
#define CRYO_STUB_FD_OBJ_H

#include "stub.h"

/* A new open file description of what fd is open on, with the given open
 * flags (O_CLOEXEC added), through /proc/self/fd/N: a pipe end, a FIFO, a
 * file with no name.  Returns the new fd or -errno. */
long fd_obj_reopen(long fd, uint64_t flags);

/* fd_pipe.c */
void fd_pipe_record(const struct cryo_pipe *p);
void fd_pipe_open(struct stub *s, struct stub_file *f);

#endif
