# Fuzzing, included by the top Makefile (which provides BUILD, LIB_SRCS,
# LIB_CPPFLAGS, BASE_CPPFLAGS, WARN, TEST_CFLAGS, STATIC...). See
# fuzz/README.md.
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="fuzz_uri fuzz_chunked"] [-j2]
#       builds every target with clang and libFuzzer under ASan and UBSan in
#       build/fuzz/, runs each for FUZZ_SECONDS on a scratch copy of its
#       corpus (build/fuzz/run/<target>/corpus) with fuzz/<target>.dict
#       if there is one (fuzz_h2's frames), else fuzz/http.dict, prints
#       executions, executions per second and coverage, and fails if any
#       target crashed. New corpus entries stay in the scratch copy; merge
#       them by hand (README).
#   make fuzz-build          only builds the libFuzzer programs
#   make fuzz-replay         builds the targets with $(CC) and without
#       libFuzzer into $(BUILD)/fuzz-replay/ and runs every file of
#       fuzz/corpus/<target>/ and fuzz/regressions/<target>/ through them
#       (tests/scripts/test_fuzz_replay.sh, which `make check` runs too).

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
# Extra libFuzzer flags, e.g. FUZZ_ARGS=-jobs=2 or -max_len=65536.
FUZZ_ARGS ?=
FUZZ_DIR := build/fuzz
FUZZ_ALL := $(sort $(basename $(notdir $(wildcard fuzz/fuzz_*.c))))
# fuzz_connection_tls (arbitrary bytes into a TLS listener) needs GnuTLS.
ifeq ($(TLS),no)
FUZZ_ALL := $(filter-out fuzz_connection_tls,$(FUZZ_ALL))
endif
FUZZ_TARGETS ?= $(FUZZ_ALL)

FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -pthread -g -O1 $(FUZZ_SAN)
# The library gets coverage instrumentation but not libFuzzer's main().
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_LIB := $(FUZZ_DIR)/lib/libmicrohttpd-fuzz.a
FUZZ_HEADERS := $(wildcard fuzz/*.h)

.PHONY: fuzz fuzz-build fuzz-replay fuzz-deps $(FUZZ_ALL:%=fuzz-run-%)

# clang, libFuzzer and llvm-symbolizer (for readable stacks), installed when
# missing.
fuzz-deps:
	@scripts/deps.sh fuzz

$(FUZZ_DIR)/obj/src/%.o: src/%.c | fuzz-deps
	@mkdir -p $(@D)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(LIB_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(WARN) -MMD -MP \
		-c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	@mkdir -p $(@D)
	@rm -f $@
	@$(AR) rcs $@ $(FUZZ_LIB_OBJS)

$(FUZZ_DIR)/bin/%: fuzz/%.c $(FUZZ_HEADERS) $(FUZZ_LIB) | fuzz-deps
	@mkdir -p $(@D)
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) $(BASE_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(WARN) $< -o $@ \
		$(FUZZ_LIB) $(LDFLAGS) $(LIB_LIBS)

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_DIR)/bin/%)

# One run per target, so that `make -j2 fuzz` runs two at a time. The
# committed corpus is copied, never written: libFuzzer adds new inputs to the
# first directory it is given, here the scratch copy. Regressions are read
# as a second corpus. A crash leaves its input in build/fuzz/run/<target>/
# as crash-<sha1> (or leak-, timeout-, oom-) and fails the run.
$(FUZZ_ALL:%=fuzz-run-%): fuzz-run-%: $(FUZZ_DIR)/bin/%
	@rm -rf $(FUZZ_DIR)/run/$*
	@mkdir -p $(FUZZ_DIR)/run/$*/corpus
	@if [ -d fuzz/corpus/$* ]; then cp fuzz/corpus/$*/* $(FUZZ_DIR)/run/$*/corpus/; fi
	@echo "  FUZZ    $* for $(FUZZ_SECONDS)s (log: $(FUZZ_DIR)/run/$*/log)"
	@run=$(CURDIR)/$(FUZZ_DIR)/run/$*; \
	$(FUZZ_DIR)/bin/$* -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
		-dict=$(or $(wildcard fuzz/$*.dict),fuzz/http.dict) -print_final_stats=1 -artifact_prefix=$$run/ $(FUZZ_ARGS) \
		$$run/corpus $(wildcard fuzz/regressions/$*) >$$run/log 2>&1; \
	rc=$$?; \
	execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$run/log | tail -n 1); \
	rate=$$(sed -n 's/^stat::average_exec_per_sec: *//p' $$run/log | tail -n 1); \
	cov=$$(grep -o 'cov: [0-9]*' $$run/log | tail -n 1 | cut -d' ' -f2); \
	ft=$$(grep -o 'ft: [0-9]*' $$run/log | tail -n 1 | cut -d' ' -f2); \
	units=$$(ls $$run/corpus | wc -l); \
	if [ $$rc -eq 0 ]; then \
		echo "  ok      $*: $${execs:-?} execs ($${rate:-?}/s), cov $${cov:-?}, ft $${ft:-?}, corpus $$units"; \
	else \
		echo "  CRASH   $*: exit $$rc after $${execs:-?} execs; inputs:" \
			$$(cd $$run && ls -d crash-* leak-* timeout-* oom-* 2>/dev/null); \
		grep -m1 -A16 'ERROR\|fuzz property failed\|deadly signal' $$run/log | sed 's/^/          | /'; \
		exit 1; \
	fi

fuzz: $(FUZZ_TARGETS:%=fuzz-run-%)

# Replay without libFuzzer: the script `make check` runs, which builds the
# targets with $(CC) (and SAN=...) into $(BUILD)/fuzz-replay/ and runs every
# corpus and regression file through them.
fuzz-replay: lib
	@BUILD=$(BUILD) SAN=$(SAN) tests/scripts/test_fuzz_replay.sh
