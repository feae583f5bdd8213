# Benchmarks: ours against Debian's libmicrohttpd, and beside the floor
# (bench/floor.c), nginx and h2o (included by the top Makefile).
#
#   make bench            full run (about 30 min); results in bench/results/ and BENCHMARKS.md
#   make bench QUICK=1    smoke run (< 4 min); results in bench/results/quick/
#   make bench-h2         the HTTP/2 part alone (bench/h2.sh: ours with MHD_HTTP2=1
#                         beside h2o and beside our HTTP/1.1 pipelining; 5-8 min,
#                         QUICK=1 about 1); results in bench/results/h2/
#
# The same bench/hello.c is built twice: against include/ and our static
# library, and against /usr/include and Debian's -lmicrohttpd (the two headers
# are never mixed); both link GnuTLS for --tls's count of resumed sessions.
# bench/tlsload.c is the GnuTLS load generator of the HTTPS scenarios;
# bench/floor.c the epoll loop that only receives and sends hello's bytes.
# bench/run.sh does the rest, then bench/h2.sh the HTTP/2 part (h2load and
# h2o from Debian's archive; bench/idle --h2 for idle HTTP/2 connections).

QUICK ?=
BENCH_BIN := $(BUILD)/bench
BENCH_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -pthread

.PHONY: bench bench-h2 bench-tails bench-deps bench-bins

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

$(BENCH_BIN)/floor: bench/floor.c
	@mkdir -p $(@D)
	@$(CC) $(BENCH_CFLAGS) $< -o $@

$(BENCH_BIN)/tlsload: bench/tlsload.c | bench-deps
	@mkdir -p $(@D)
	@$(CC) $(BENCH_CFLAGS) $< -o $@ -lgnutls

bench-bins: $(BENCH_BIN)/hello-ours $(BENCH_BIN)/hello-mhd $(BENCH_BIN)/idle $(BENCH_BIN)/fetch \
	$(BENCH_BIN)/tlsload $(BENCH_BIN)/floor

bench: lib bench-deps
	@$(MAKE) --no-print-directory bench-bins
	@BUILD=$(BUILD) QUICK=$(QUICK) bench/run.sh
	@BUILD=$(BUILD) QUICK=$(QUICK) bench/h2.sh

# Keep-alive p99 on fresh and warm servers in every thread mode, ours
# beside libmicrohttpd (bench/tails.sh; about 15 minutes).
bench-tails: lib bench-deps
	@$(MAKE) --no-print-directory bench-bins
	@bench/tails.sh $(or $(TAILS_RUNS),10) 2

bench-h2: lib bench-deps
	@$(MAKE) --no-print-directory bench-bins
	@BUILD=$(BUILD) QUICK=$(QUICK) bench/h2.sh
