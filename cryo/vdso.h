/* What must match between the vdso a process was frozen with and the one
 * the kernel gives the restorer.  Shared by the freezer and the stub. */
#ifndef CRYO_VDSO_H
#define CRYO_VDSO_H
#include <stddef.h>
#include <stdint.h>

/* A fingerprint of a vdso's layout: FNV-1a 64 over len and, for each
 * dynamic symbol, its name and st_value.  glibc caches the addresses of
 * vdso functions at startup, so a restored process may only be given a
 * vdso whose symbols sit at the same offsets.  vdso points at the vdso as
 * mapped in memory (the whole [vdso] area, len bytes).  Returns 0 if it is
 * not an ELF image that can be parsed (never 0 otherwise).  Freestanding. */
uint64_t cryo_vdso_fingerprint(const void *vdso, size_t len);

#endif
