/* Embeds the linked restore stub (build/stub.elf) into bin/freeze.
 * Assembled for the host (bin/freeze), not for the stub.
 */
	.section .rodata
	.balign 4096
	.globl cryo_stub_elf, cryo_stub_elf_end
cryo_stub_elf:
	.incbin STUB_ELF
cryo_stub_elf_end:
	.section .note.GNU-stack,"",@progbits
