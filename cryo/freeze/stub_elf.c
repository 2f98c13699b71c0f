/* Turn the embedded static-PIE restore stub into an ET_EXEC at a chosen base.
 *
 * The stub is linked at address 0 as a static PIE whose only relocations
 * are R_X86_64_RELATIVE (the Makefile checks).  The freezer knows the
 * target's address space, so it applies those relocations itself for a base
 * in a hole of that space, and writes an ET_EXEC: the kernel then maps the
 * stub exactly there and the stub never collides with the mappings it is
 * about to rebuild.  The stub does not relocate itself.
 *
 * Output layout (written with libelf, ELF_F_LAYOUT: we choose the offsets):
 *   page 0   ELF header, program headers (PT_LOAD..., PT_GNU_STACK)
 *   then     each PT_LOAD's file bytes, at an offset congruent to its
 *            address modulo the page size, as one section each
 *   then     .shstrtab and the section header table (for readelf & co.)
 */
#include "freeze.h"
#include "memory.h"
#include "stub_elf.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const uint8_t cryo_stub_elf[], cryo_stub_elf_end[];

#define MAX_LOADS 16

struct stub {
	uint8_t *img;			/* private, relocatable copy of the ELF */
	size_t len;
	uint64_t entry;
	Elf64_Phdr load[MAX_LOADS];
	int nload;
	uint64_t span;
};

static int bad(const char *why)
{
	freeze_error("the embedded restore stub is unusable (%s): rebuild with make", why);
	return -1;
}

/* Parse the embedded stub's headers; img is a private copy. */
static int stub_parse(struct stub *s)
{
	memset(s, 0, sizeof(*s));
	s->len = (size_t)(cryo_stub_elf_end - cryo_stub_elf);
	if (s->len < sizeof(Elf64_Ehdr))
		return bad("too short");
	s->img = malloc(s->len);
	if (!s->img)
		return bad("out of memory");
	memcpy(s->img, cryo_stub_elf, s->len);

	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)s->img;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64 ||
	    eh->e_type != ET_DYN)
		return bad("not an x86_64 static PIE");
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > s->len ||
	    (s->len - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum)
		return bad("bad program headers");
	s->entry = eh->e_entry;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(s->img + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		switch (ph[i].p_type) {
		case PT_LOAD:
			if (s->nload == MAX_LOADS)
				return bad("too many segments");
			if (ph[i].p_offset > s->len || s->len - ph[i].p_offset < ph[i].p_filesz ||
			    ph[i].p_filesz > ph[i].p_memsz ||
			    (ph[i].p_offset - ph[i].p_vaddr) % PAGE_SIZE_4K)
				return bad("bad PT_LOAD");
			if (s->nload && ph[i].p_vaddr < s->load[s->nload - 1].p_vaddr +
							     s->load[s->nload - 1].p_memsz)
				return bad("PT_LOAD segments out of order");
			s->load[s->nload++] = ph[i];
			uint64_t end = PAGE_ROUND_UP(ph[i].p_vaddr + ph[i].p_memsz);
			if (end > s->span)
				s->span = end;
			break;
		case PT_INTERP:
			return bad("it asks for an interpreter");
		case PT_TLS:
			return bad("it has TLS");
		}
	}
	if (!s->nload)
		return bad("no PT_LOAD");
	return 0;
}

/* Where the bytes of [vaddr, vaddr+len) live in the file, or NULL. */
static uint8_t *at_vaddr(struct stub *s, uint64_t vaddr, uint64_t len)
{
	for (int i = 0; i < s->nload; i++) {
		const Elf64_Phdr *p = &s->load[i];
		if (vaddr >= p->p_vaddr && vaddr - p->p_vaddr <= p->p_filesz &&
		    p->p_filesz - (vaddr - p->p_vaddr) >= len)
			return s->img + p->p_offset + (vaddr - p->p_vaddr);
	}
	return NULL;
}

static int put_reloc(struct stub *s, uint64_t where, uint64_t value)
{
	uint8_t *p = at_vaddr(s, where, 8);
	if (!p)
		return bad("relocation outside the file-backed segments");
	memcpy(p, &value, 8);
	return 0;
}

/* Apply the stub's R_X86_64_RELATIVE (DT_RELA) and DT_RELR relocations for
 * base: each word becomes base + its link-time value. */
static int stub_relocate(struct stub *s, uint64_t base)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)s->img;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(s->img + eh->e_phoff);
	const Elf64_Phdr *dynp = NULL;
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC)
			dynp = &ph[i];
	if (!dynp)
		return 0;	/* nothing to relocate */
	const Elf64_Dyn *dyn = (const Elf64_Dyn *)at_vaddr(s, dynp->p_vaddr, dynp->p_filesz);
	if (!dyn)
		return bad("bad PT_DYNAMIC");
	uint64_t rela = 0, relasz = 0, relaent = sizeof(Elf64_Rela), relr = 0, relrsz = 0;
	for (size_t i = 0; i < dynp->p_filesz / sizeof(*dyn) && dyn[i].d_tag != DT_NULL; i++) {
		switch (dyn[i].d_tag) {
		case DT_RELA: rela = dyn[i].d_un.d_ptr; break;
		case DT_RELASZ: relasz = dyn[i].d_un.d_val; break;
		case DT_RELAENT: relaent = dyn[i].d_un.d_val; break;
		case DT_RELR: relr = dyn[i].d_un.d_ptr; break;
		case DT_RELRSZ: relrsz = dyn[i].d_un.d_val; break;
		case DT_REL: case DT_JMPREL: case DT_NEEDED:
			return bad("it has dynamic dependencies or non-RELA relocations");
		}
	}
	if (relasz) {
		const uint8_t *r = at_vaddr(s, rela, relasz);
		if (!r || relaent != sizeof(Elf64_Rela))
			return bad("bad DT_RELA");
		for (uint64_t off = 0; off + relaent <= relasz; off += relaent) {
			Elf64_Rela rel;
			memcpy(&rel, r + off, sizeof(rel));
			if (ELF64_R_TYPE(rel.r_info) == R_X86_64_NONE)
				continue;
			if (ELF64_R_TYPE(rel.r_info) != R_X86_64_RELATIVE)
				return bad("a relocation other than R_X86_64_RELATIVE");
			if (put_reloc(s, rel.r_offset, base + (uint64_t)rel.r_addend) < 0)
				return -1;
		}
	}
	if (relrsz) {	/* RELR: an address, then bitmaps of the following words */
		const uint8_t *r = at_vaddr(s, relr, relrsz);
		if (!r)
			return bad("bad DT_RELR");
		uint64_t where = 0;
		for (uint64_t off = 0; off + 8 <= relrsz; off += 8) {
			uint64_t e;
			memcpy(&e, r + off, 8);
			if (!(e & 1)) {
				uint64_t v;
				uint8_t *p = at_vaddr(s, e, 8);
				if (!p)
					return bad("bad DT_RELR entry");
				memcpy(&v, p, 8);
				if (put_reloc(s, e, base + v) < 0)
					return -1;
				where = e + 8;
				continue;
			}
			for (int b = 0; b < 63; b++) {
				if (!((e >> (b + 1)) & 1))
					continue;
				uint64_t a = where + 8 * (uint64_t)b, v;
				uint8_t *p = at_vaddr(s, a, 8);
				if (!p)
					return bad("bad DT_RELR bitmap");
				memcpy(&v, p, 8);
				if (put_reloc(s, a, base + v) < 0)
					return -1;
			}
			where += 63 * 8;
		}
	}
	return 0;
}

uint64_t stub_elf_span(void)
{
	struct stub s;
	int r = stub_parse(&s);
	free(s.img);
	return r < 0 ? 0 : s.span;
}

static int elf_fail(const char *what)
{
	freeze_error("writing the restore stub ELF: %s: %s", what, elf_errmsg(-1));
	return -1;
}

/* Section names: "\0.shstrtab\0.stub0\0.stub1\0..." */
struct strtab {
	char buf[32 + MAX_LOADS * 8];
	unsigned len;
};

static unsigned strtab_add(struct strtab *t, const char *name)
{
	unsigned at = t->len;
	t->len += (unsigned)snprintf(t->buf + at, sizeof(t->buf) - at, "%s", name) + 1;
	return at;
}

static int add_section(Elf *e, unsigned name, uint32_t type, uint64_t flags, uint64_t addr,
		       uint64_t off, void *buf, size_t len)
{
	Elf_Scn *scn = elf_newscn(e);
	if (!scn)
		return elf_fail("elf_newscn");
	Elf_Data *d = elf_newdata(scn);
	if (!d)
		return elf_fail("elf_newdata");
	d->d_buf = buf;
	d->d_size = len;
	d->d_type = ELF_T_BYTE;
	d->d_align = 1;
	d->d_off = 0;
	d->d_version = EV_CURRENT;
	Elf64_Shdr *sh = elf64_getshdr(scn);
	if (!sh)
		return elf_fail("elf64_getshdr");
	sh->sh_name = name;
	sh->sh_type = type;
	sh->sh_flags = flags;
	sh->sh_addr = addr;
	sh->sh_offset = off;
	sh->sh_size = len;
	sh->sh_addralign = 1;
	return (int)elf_ndxscn(scn);
}

uint64_t stub_elf_write(uint64_t base, int fd)
{
	struct stub s;
	Elf *e = NULL;
	uint64_t size = 0;
	if (stub_parse(&s) < 0 || stub_relocate(&s, base) < 0)
		goto out;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		elf_fail("elf_version");
		goto out;
	}
	e = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!e) {
		elf_fail("elf_begin");
		goto out;
	}
	elf_flagelf(e, ELF_C_SET, ELF_F_LAYOUT);
	Elf64_Ehdr *eh = elf64_newehdr(e);
	if (!eh) {
		elf_fail("elf64_newehdr");
		goto out;
	}
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = base + s.entry;
	eh->e_phoff = sizeof(Elf64_Ehdr);
	Elf64_Phdr *ph = elf64_newphdr(e, (size_t)s.nload + 1);
	if (!ph) {
		elf_fail("elf64_newphdr");
		goto out;
	}

	/* Segments from the second page on, each at an offset congruent to
	 * its address: the kernel maps them straight from the file. */
	struct strtab names = { .len = 1 };
	unsigned shstrtab_name = strtab_add(&names, ".shstrtab");
	uint64_t off = PAGE_SIZE_4K;
	for (int i = 0; i < s.nload; i++) {
		const Elf64_Phdr *in = &s.load[i];
		uint64_t o = (off & ~(uint64_t)(PAGE_SIZE_4K - 1)) + (in->p_vaddr % PAGE_SIZE_4K);
		if (o < off)
			o += PAGE_SIZE_4K;
		ph[i] = *in;
		ph[i].p_offset = o;
		ph[i].p_vaddr = ph[i].p_paddr = base + in->p_vaddr;
		ph[i].p_align = PAGE_SIZE_4K;
		if (in->p_filesz) {
			uint64_t fl = SHF_ALLOC | (in->p_flags & PF_W ? SHF_WRITE : 0) |
				      (in->p_flags & PF_X ? SHF_EXECINSTR : 0);
			char nm[16];
			snprintf(nm, sizeof(nm), ".stub%d", i);
			if (add_section(e, strtab_add(&names, nm), SHT_PROGBITS, fl,
					base + in->p_vaddr, o, s.img + in->p_offset, in->p_filesz) < 0)
				goto out;
		}
		off = o + in->p_filesz;
	}
	memset(&ph[s.nload], 0, sizeof(ph[0]));
	ph[s.nload].p_type = PT_GNU_STACK;
	ph[s.nload].p_flags = PF_R | PF_W;
	ph[s.nload].p_align = 16;

	int strndx = add_section(e, shstrtab_name, SHT_STRTAB, 0, 0, off, names.buf, names.len);
	if (strndx < 0)
		goto out;
	off += names.len;
	eh->e_shstrndx = (uint16_t)strndx;
	eh->e_shoff = (off + 7) & ~7ull;
	elf_flagphdr(e, ELF_C_SET, ELF_F_DIRTY);
	off_t n = elf_update(e, ELF_C_WRITE);
	if (n < 0) {
		elf_fail("elf_update");
		goto out;
	}
	size = (uint64_t)n;
out:
	if (e)
		elf_end(e);
	free(s.img);
	return size;
}
