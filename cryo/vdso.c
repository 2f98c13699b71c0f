/* vdso layout fingerprint (see vdso.h).  Freestanding: used by the stub on
 * the kernel's new vdso, by the freezer on a copy of the target's. */
#include "vdso.h"

#include <elf.h>
#include <string.h>

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t fnv_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= FNV_PRIME;
	}
	return h;
}

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
	uint8_t le[8];
	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)(v >> (8 * i));
	return fnv_bytes(h, le, 8);
}

/* [off, off+n) inside [0, len) */
static int in_range(uint64_t off, uint64_t n, size_t len)
{
	return off <= len && n <= len - off;
}

/* The dynamic symbol table and its strings, from the section headers (the
 * kernel maps the whole vdso image, section headers included). */
static int find_dynsym(const uint8_t *base, size_t len, const Elf64_Ehdr *eh,
		       uint64_t *symoff, uint64_t *nsym, uint64_t *stroff, uint64_t *strsz)
{
	if (eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_range(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr), len))
		return -1;
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		Elf64_Shdr sh, str;
		memcpy(&sh, base + eh->e_shoff + i * sizeof(sh), sizeof(sh));
		if (sh.sh_type != SHT_DYNSYM)
			continue;
		if (sh.sh_entsize != sizeof(Elf64_Sym) || sh.sh_link >= eh->e_shnum ||
		    !in_range(sh.sh_offset, sh.sh_size, len))
			return -1;
		memcpy(&str, base + eh->e_shoff + sh.sh_link * sizeof(str), sizeof(str));
		if (!in_range(str.sh_offset, str.sh_size, len))
			return -1;
		*symoff = sh.sh_offset;
		*nsym = sh.sh_size / sizeof(Elf64_Sym);
		*stroff = str.sh_offset;
		*strsz = str.sh_size;
		return 0;
	}
	return -1;
}

uint64_t cryo_vdso_fingerprint(const void *vdso, size_t len)
{
	const uint8_t *base = vdso;
	Elf64_Ehdr eh;
	if (!vdso || len < sizeof(eh))
		return 0;
	memcpy(&eh, base, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64)
		return 0;
	uint64_t symoff, nsym, stroff, strsz;
	if (find_dynsym(base, len, &eh, &symoff, &nsym, &stroff, &strsz) < 0)
		return 0;

	uint64_t h = fnv_u64(FNV_OFFSET, len);
	for (uint64_t i = 0; i < nsym; i++) {
		Elf64_Sym sym;
		memcpy(&sym, base + symoff + i * sizeof(sym), sizeof(sym));
		if (sym.st_name >= strsz)
			return 0;
		const uint8_t *name = base + stroff + sym.st_name;
		size_t n = 0;
		while (sym.st_name + n < strsz && name[n])
			n++;
		h = fnv_bytes(h, name, n + 1 <= strsz - sym.st_name ? n + 1 : n);
		h = fnv_u64(h, sym.st_value);
	}
	return h ? h : 1;
}
