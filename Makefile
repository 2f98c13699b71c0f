# cryo: bin/freeze (with the restore stub inside), tools, tests.
#
#   make            build bin/freeze and bin/cryo-info
#   make check      run the test suite (tests/run.sh)
#   make bench      run the benchmark (not a test)
#   make bench-apps startup benchmark: emacs/python3 cold start vs resume
#   make demo       freeze and resume a sample program

CC      ?= cc
BUILD   := build
WARN    := -Wall -Wextra -Werror
CFLAGS  := -std=c11 -D_GNU_SOURCE -O2 -g $(WARN)
LIBDIR  := /usr/lib/x86_64-linux-gnu

# The stub is freestanding: no libc, no TLS, no stack protector of its own.
# It is a static PIE; the freezer relocates it to a hole of the target's
# address space (cryo/freeze/writer.c).
STUB_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) -fPIE -ffreestanding -nostdlib \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fcf-protection=none \
	-ffunction-sections -fdata-sections -I/usr/include
STUB_LDFLAGS := -static-pie -nostdlib -Wl,--gc-sections -Wl,-z,noexecstack -Wl,--build-id=none

SHARED_SRCS := cryo/records.c cryo/crc32c.c cryo/codec_decompress.c cryo/vdso.c
STUB_SRCS   := $(SHARED_SRCS) $(wildcard cryo/stub/*.c) $(wildcard arch/x86_64/stub_*.c) \
	$(wildcard arch/x86_64/stub_*.S)
FREEZE_SRCS := $(SHARED_SRCS) cryo/codec_compress.c $(wildcard cryo/freeze/*.c) \
	$(wildcard cryo/remote_syscall/*.c) $(wildcard arch/x86_64/freeze_*.c)
INFO_SRCS   := $(SHARED_SRCS) tools/cryo-info.c

STUB_OBJS   := $(patsubst %,$(BUILD)/stub/%.o,$(STUB_SRCS))
FREEZE_OBJS := $(patsubst %,$(BUILD)/host/%.o,$(FREEZE_SRCS)) $(BUILD)/stub_blob.o
INFO_OBJS   := $(patsubst %,$(BUILD)/host/%.o,$(INFO_SRCS))

all: bin/freeze bin/cryo-info

$(BUILD)/stub/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(STUB_CFLAGS) -MMD -c $< -o $@
$(BUILD)/stub/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(STUB_CFLAGS) -c $< -o $@
$(BUILD)/host/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -c $< -o $@

# The stub links the distribution's static zstd/zlib for decompression only
# (--gc-sections drops the rest).  Only R_X86_64_RELATIVE relocations are
# allowed: the freezer applies them when it places the stub.
$(BUILD)/stub.elf: $(STUB_OBJS)
	$(CC) $(STUB_LDFLAGS) -o $@ $(STUB_OBJS) $(LIBDIR)/libzstd.a $(LIBDIR)/libz.a -lgcc
	@if readelf -rW $@ | awk 'NR>3 && $$3 ~ /^R_X86_64/ && $$3 != "R_X86_64_RELATIVE"' | grep -q .; then \
		echo "stub: relocations other than R_X86_64_RELATIVE"; readelf -rW $@; rm -f $@; exit 1; fi

$(BUILD)/stub_blob.o: $(BUILD)/stub.elf arch/x86_64/embed_stub.S
	$(CC) -c -DSTUB_ELF='"$(BUILD)/stub.elf"' arch/x86_64/embed_stub.S -o $@

bin/freeze: $(FREEZE_OBJS)
	@mkdir -p bin
	$(CC) -o $@ $(FREEZE_OBJS) -lelf -lzstd -lz -lpthread

bin/cryo-info: $(INFO_OBJS)
	@mkdir -p bin
	$(CC) -o $@ $(INFO_OBJS) -lzstd -lz

# Test programs: tests/progs/*.c -> build/tests/ (targets of check, bench, demo).
TEST_CFLAGS := -O2 -g -Wall -Wextra -Wno-format-truncation -pthread
TEST_PROGS  := $(patsubst tests/progs/%.c,$(BUILD)/tests/%,$(wildcard tests/progs/*.c)) \
	$(BUILD)/tests/counter-nopie $(BUILD)/tests/counter-static $(BUILD)/tests/counter-static-pie

test-progs: $(TEST_PROGS)
$(BUILD)/tests/%: tests/progs/%.c tests/progs/common.h
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $<
$(BUILD)/tests/counter-nopie: tests/progs/counter.c tests/progs/common.h
	$(CC) $(TEST_CFLAGS) -no-pie -o $@ $<
$(BUILD)/tests/counter-static: tests/progs/counter.c tests/progs/common.h
	$(CC) $(TEST_CFLAGS) -static -o $@ $<
$(BUILD)/tests/counter-static-pie: tests/progs/counter.c tests/progs/common.h
	$(CC) $(TEST_CFLAGS) -static-pie -o $@ $<
$(BUILD)/tests/imgpoke: tests/progs/imgpoke.c cryo/records.c cryo/crc32c.c cryo/records.h
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -I. -o $@ tests/progs/imgpoke.c cryo/records.c cryo/crc32c.c

check: all test-progs
	tests/run.sh

bench: all test-progs
	tests/bench.sh

bench-apps: all test-progs
	tests/bench-apps.sh

demo: all test-progs
	tests/demo.sh

clean:
	rm -rf $(BUILD) bin

.PHONY: all check bench bench-apps demo clean test-progs
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
