/* The restore stub embedded in bin/freeze, and the ELF that puts it at a
 * chosen address (stub_elf.c).  Private to writer.c. */
#ifndef CRYO_FREEZE_STUB_ELF_H
#define CRYO_FREEZE_STUB_ELF_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of address space the stub's PT_LOAD segments cover from its base
 * (page rounded); 0 if the embedded stub is unusable (message printed). */
uint64_t stub_elf_span(void);

/* Write the stub, relocated to base, as an ET_EXEC into fd (a fresh file,
 * written from offset 0 by libelf).  Returns the ELF's size, or 0 on
 * failure (message printed). */
uint64_t stub_elf_write(uint64_t base, int fd);

#endif
