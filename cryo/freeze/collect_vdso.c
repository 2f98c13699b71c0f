/* VDSO record: the sizes of [vdso], [vvar], [vvar_vclock] and the
 * fingerprint of the vdso's symbol layout (cryo/vdso.h), which the stub
 * compares with the vdso of the kernel that resumes the image. */
#include "freeze.h"
#include "../vdso.h"

#include <stdio.h>
#include <stdlib.h>

int collect_vdso(struct freeze_ctx *ctx)
{
	struct cryo_vdso v = { 0 };
	uint64_t s, e;
	if (proc_find_map(ctx->pid, "[vvar]", &s, &e) == 0)
		v.vvar_size = e - s;
	if (proc_find_map(ctx->pid, "[vvar_vclock]", &s, &e) == 0)
		v.vvar_vclock_size = e - s;
	if (proc_find_map(ctx->pid, "[vdso]", &s, &e) == 0) {
		v.vdso_size = e - s;
		void *buf = malloc(v.vdso_size);
		if (!buf || proc_read_mem(ctx->pid, s, buf, v.vdso_size)) {
			free(buf);
			freeze_error("cannot read the vdso of process %d", (int)ctx->pid);
			return FREEZE_ERR;
		}
		v.fingerprint = cryo_vdso_fingerprint(buf, v.vdso_size);
		free(buf);
		if (!v.fingerprint) {
			freeze_error("the vdso of process %d is not an ELF image cryo can read",
				     (int)ctx->pid);
			return FREEZE_ERR;
		}
	}
	freeze_info(ctx, "vdso %llu bytes (fingerprint %016llx), vvar %llu, vvar_vclock %llu",
		    (unsigned long long)v.vdso_size, (unsigned long long)v.fingerprint,
		    (unsigned long long)v.vvar_size, (unsigned long long)v.vvar_vclock_size);
	freeze_emit(ctx, CRYO_REC_VDSO, &v);
	return FREEZE_OK;
}
