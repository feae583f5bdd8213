# Benchmarks: ours against Debian's libmicrohttpd (included by the top Makefile).
#
#   make bench            full run (< 15 min); results in bench/results/ and BENCHMARKS.md
#   make bench QUICK=1    smoke run (< 3 min); results in bench/results/quick/
#
# The same bench/hello.c is built twice: against include/ and our static
# library, and against /usr/include and Debian's -lmicrohttpd (the two headers
# are never mixed); both link GnuTLS for --tls's count of resumed sessions.
# bench/tlsload.c is the GnuTLS load generator of the HTTPS scenarios.
# bench/run.sh does the rest.

QUICK ?=
BENCH_BIN := $(BUILD)/bench
BENCH_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -pthread

.PHONY: bench bench-deps bench-bins

bench-deps:
	@scripts/deps.sh bench

$(BENCH_BIN)/hello-ours: bench/hello.c include/microhttpd.h $(STATIC) | bench-deps
	@mkdir -p $(@D)
	@echo "  CC      $@ (ours)"
	@$(CC) $(BENCH_CFLAGS) $(SANFLAGS) -Iinclude $< $(STATIC) -o $@ $(LIB_LIBS) -lgnutls

$(BENCH_BIN)/hello-mhd: bench/hello.c | bench-deps
	@mkdir -p $(@D)
	@echo "  CC      $@ (Debian libmicrohttpd)"
	@$(CC) $(BENCH_CFLAGS) $< -o $@ -lmicrohttpd -lgnutls

$(BENCH_BIN)/idle: bench/idle.c
	@mkdir -p $(@D)
	@$(CC) $(BENCH_CFLAGS) $< -o $@

$(BENCH_BIN)/fetch: bench/fetch.c
	@mkdir -p $(@D)
	@$(CC) $(BENCH_CFLAGS) $< -o $@

$(BENCH_BIN)/tlsload: bench/tlsload.c | bench-deps
	@mkdir -p $(@D)
	@$(CC) $(BENCH_CFLAGS) $< -o $@ -lgnutls

bench-bins: $(BENCH_BIN)/hello-ours $(BENCH_BIN)/hello-mhd $(BENCH_BIN)/idle $(BENCH_BIN)/fetch \
	$(BENCH_BIN)/tlsload

bench: lib bench-deps
	@$(MAKE) --no-print-directory bench-bins
	@BUILD=$(BUILD) QUICK=$(QUICK) bench/run.sh
