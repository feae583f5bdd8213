# Build, test and install our libmicrohttpd-compatible library.
#
#   make                     libmicrohttpd.so.12 and libmicrohttpd.a in build/lib
#   make install PREFIX=dir  header, libraries, libmicrohttpd.pc and the man pages under dir
#   make check               every test (installs missing Debian packages first)
#   make check SAN=address,undefined   the same under sanitizers (SAN=thread too)
#   make valgrind            every test under valgrind's memcheck (no error, no leak)
#   make html                the manual and man pages as HTML (make install-html installs them)
#   make demo [PORT=8080]    builds and starts examples/demo on http://127.0.0.1:PORT
#                            and the examples it links to on the next three ports
#   make TLS=no              the library without GnuTLS (no HTTPS), in build/notls
#   make HTTP2=no            the library without nghttp2 (no HTTP/2), in build/noh2
#   make URING=no            the library without liburing (epoll only), in build/nouring
#   make deb                 Debian packages libmicrohttpd12 and libmicrohttpd-dev in build/deb
#   make dropin              Debian's programs run on Debian's library and on ours (tests/dropin)
#   make ops-check           rolling restarts under load behind HAProxy (tests/ops), measured
#
# The build honours CC, CFLAGS, CPPFLAGS and LDFLAGS.

CC ?= cc
CFLAGS ?= -O2 -g
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
SAN ?=
TLS ?= yes
WERROR ?= -Werror
comma := ,

VERSION_FILE := 12.62.1
SONAME := libmicrohttpd.so.12

ifeq ($(SAN),)
BUILD := build
SANFLAGS :=
else
BUILD := build/san-$(subst $(comma),-,$(SAN))
SANFLAGS := -fsanitize=$(SAN) -fno-sanitize-recover=all -fno-omit-frame-pointer
endif

# HTTPS through GnuTLS, unless TLS=no: then src/io/tls_none.c stands in
# for the GnuTLS files and MHD_USE_TLS makes MHD_start_daemon fail.
TLS_SRCS := src/io/tls_setup.c src/io/tls_replay.c src/io/transport_tls.c
ifeq ($(TLS),no)
BUILD := $(BUILD)/notls
LIB_LIBS :=
LIB_EXCLUDE := $(TLS_SRCS)
else
LIB_LIBS := -lgnutls
LIB_EXCLUDE := src/io/tls_none.c
TEST_TLS := -DMHD_TEST_EXPECT_TLS
endif

# HTTP/2 through nghttp2 (switched on at run time by MHD_HTTP2=1), unless
# HTTP2=no: then src/h2/h2_none.c stands in for the nghttp2 files.
HTTP2 ?= yes
H2_SRCS := $(filter-out src/h2/h2_none.c,$(wildcard src/h2/*.c))
ifeq ($(HTTP2),no)
BUILD := $(BUILD)/noh2
LIB_EXCLUDE += $(H2_SRCS)
else
LIB_LIBS += -lnghttp2
LIB_EXCLUDE += src/h2/h2_none.c
endif

# io_uring for the internal epoll modes through liburing, unless URING=no.
URING ?= yes
ifeq ($(URING),no)
BUILD := $(BUILD)/nouring
URING_CPPFLAGS :=
else
LIB_LIBS += -luring
URING_CPPFLAGS := -DMHD_HAVE_URING
endif

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wold-style-definition -Wpointer-arith -Wcast-qual -Wwrite-strings -Wundef -Wvla \
	-Wformat=2 -Wimplicit-fallthrough $(WERROR)
TEST_WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wvla $(WERROR) -Wno-unused-function

BASE_CPPFLAGS := -D_GNU_SOURCE -Iinclude -Isrc $(URING_CPPFLAGS)
LIB_CPPFLAGS := $(BASE_CPPFLAGS) '-D_MHD_EXTERN=extern __attribute__((visibility("default")))'
LIB_CFLAGS := -std=c11 -fPIC -fvisibility=hidden -pthread $(WARN) $(SANFLAGS) $(CFLAGS)
TEST_CFLAGS := -std=c11 -pthread $(TEST_WARN) $(TEST_TLS) $(SANFLAGS) $(CFLAGS)

LIB_SRCS := $(filter-out $(LIB_EXCLUDE),$(sort $(wildcard src/*/*.c)))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
SHARED := $(BUILD)/lib/libmicrohttpd.so.$(VERSION_FILE)
STATIC := $(BUILD)/lib/libmicrohttpd.a

TESTLIB_SRCS := $(sort $(wildcard tests/lib/*.c))
TESTLIB_OBJS := $(TESTLIB_SRCS:%.c=$(BUILD)/obj/%.o)
TESTLIB := $(BUILD)/lib/libtesthelp.a

UNIT_SRCS := $(sort $(wildcard tests/unit/*/test_*.c))
UNIT_BINS := $(UNIT_SRCS:%.c=$(BUILD)/%)
INTEG_SRCS := $(sort $(wildcard tests/integ/test_*.c))
INTEG_BINS := $(INTEG_SRCS:%.c=$(BUILD)/%)
ABI_SRCS := $(sort $(wildcard tests/abi/test_*.c))
ABI_BINS := $(ABI_SRCS:%.c=$(BUILD)/%)
EXAMPLE_SRCS := $(sort $(wildcard examples/*.c))
EXAMPLE_BINS := $(EXAMPLE_SRCS:%.c=$(BUILD)/%)

CURL_LIBS := -lcurl
# The test helpers are TLS clients (GnuTLS) whatever the library is built with.
TEST_LIBS := $(LIB_LIBS) -lgnutls $(CURL_LIBS)
CERTS := $(BUILD)/tests/certs/ca.pem

.PHONY: all lib tests examples check check-notls deps-check install demo clean format format-check lint \
	ops-check \
	valgrind html install-html deb dropin

all: lib

lib: $(SHARED) $(STATIC) $(BUILD)/lib/$(SONAME) $(BUILD)/lib/libmicrohttpd.so

$(BUILD)/obj/src/%.o: src/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(LIB_CPPFLAGS) $(CPPFLAGS) $(LIB_CFLAGS) -MMD -MP -c $< -o $@

$(SHARED): $(LIB_OBJS) src/libmicrohttpd.map
	@mkdir -p $(@D)
	$(CC) -shared -pthread $(SANFLAGS) $(CFLAGS) -Wl,-soname,$(SONAME) \
		-Wl,--version-script=src/libmicrohttpd.map -Wl,-z,defs \
		-o $@ $(LIB_OBJS) $(LDFLAGS) $(LIB_LIBS)

$(BUILD)/lib/$(SONAME): $(SHARED)
	ln -sf libmicrohttpd.so.$(VERSION_FILE) $@

$(BUILD)/lib/libmicrohttpd.so: $(BUILD)/lib/$(SONAME)
	ln -sf $(SONAME) $@

$(STATIC): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJS)

# Test helpers and tests link the static library, so unit tests reach the
# internal mhd_* functions; the ABI tests load the shared object.
$(BUILD)/obj/tests/lib/%.o: tests/lib/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(BASE_CPPFLAGS) -Itests/lib $(CPPFLAGS) $(TEST_CFLAGS) -MMD -MP -c $< -o $@

$(TESTLIB): $(TESTLIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $(TESTLIB_OBJS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(STATIC) $(TESTLIB)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(BASE_CPPFLAGS) -Itests/lib $(CPPFLAGS) $(TEST_CFLAGS) -MMD -MP $< -o $@ \
		$(TESTLIB) $(STATIC) $(LDFLAGS) $(TEST_LIBS)

$(BUILD)/tests/integ/%: tests/integ/%.c $(STATIC) $(TESTLIB)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(BASE_CPPFLAGS) -Itests/lib $(CPPFLAGS) $(TEST_CFLAGS) -MMD -MP $< -o $@ \
		$(TESTLIB) $(STATIC) $(LDFLAGS) $(TEST_LIBS)

$(BUILD)/tests/abi/%: tests/abi/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(BASE_CPPFLAGS) -Itests/lib $(CPPFLAGS) $(TEST_CFLAGS) $< -o $@ $(LDFLAGS)

$(BUILD)/examples/%: examples/%.c $(STATIC)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(BASE_CPPFLAGS) $(CPPFLAGS) $(TEST_CFLAGS) -MMD -MP $< -o $@ $(STATIC) $(LDFLAGS) \
		$(LIB_LIBS)

# TLS test credentials, made with certtool for each build (tests/lib/tlstest.h).
$(CERTS): tests/scripts/mkcerts.sh
	@echo "  CERTS   $(@D)"
	@tests/scripts/mkcerts.sh $(@D)

tests: lib $(UNIT_BINS) $(INTEG_BINS) $(ABI_BINS) examples $(CERTS)

examples: $(EXAMPLE_BINS)

deps-check:
	@scripts/deps.sh check

# Under a sanitizer programs run several times slower (TSan: the fault
# injection program over HTTP/2 takes 80 s of one core): each may take up
# to 5 minutes instead of 2.
check: deps-check
	@$(MAKE) --no-print-directory tests
	@BUILD=$(BUILD) SAN=$(SAN) TEST_TIMEOUT=$${TEST_TIMEOUT:-$(if $(SAN),300,120)} tests/run.sh

# The suite under memcheck: any error, or a definite or possible leak, makes
# the program fail. Programs run about ten times slower there; TEST_SLOW
# stretches the tests' time limits to match and shrinks the heaviest tests
# (tests/lib/slow.h).
VALGRIND := valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,possible \
	--errors-for-leak-kinds=definite,possible --error-exitcode=99 --fair-sched=yes --quiet
VALGRIND_SLOW ?= 10

valgrind: deps-check
	@scripts/deps.sh valgrind
	@$(MAKE) --no-print-directory tests SAN=
	@BUILD=build TEST_WRAPPER="$(VALGRIND)" TEST_SLOW=$(VALGRIND_SLOW) tests/run.sh

# Into a system directory (no DESTDIR) as root, ldconfig makes the new
# library the one programs load; README.md says how it lives next to Debian's.
install: lib
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 644 include/microhttpd.h $(DESTDIR)$(INCLUDEDIR)/microhttpd.h
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/
	ln -sf libmicrohttpd.so.$(VERSION_FILE) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libmicrohttpd.so
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@REQUIRES_PRIVATE@|$(strip $(if $(findstring gnutls,$(LIB_LIBS)),gnutls) $(if $(findstring nghttp2,$(LIB_LIBS)),libnghttp2) $(if $(findstring uring,$(LIB_LIBS)),liburing))|' \
		libmicrohttpd.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/libmicrohttpd.pc
	scripts/install_man.sh $(DESTDIR)$(MANDIR)/man3
	if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then \
		ldconfig; fi

# The manual and the man pages as HTML (doc/README.md).
html:
	@scripts/deps.sh doc
	@scripts/html_doc.sh $(BUILD)/doc/html
	@echo "HTML in $(BUILD)/doc/html/index.html"

install-html: html
	install -d $(DESTDIR)$(PREFIX)/share/doc/libmicrohttpd
	cp -R $(BUILD)/doc/html $(DESTDIR)$(PREFIX)/share/doc/libmicrohttpd/

PORT ?= 8080

# The library without GnuTLS and the checks that say so (CI runs this).
NOTLS_TESTS := build/notls/tests/unit/daemon/test_features build/notls/tests/unit/daemon/test_start_stop
check-notls:
	@$(MAKE) --no-print-directory TLS=no SAN= lib $(NOTLS_TESTS)
	@for t in $(NOTLS_TESTS); do out=$$($$t 2>&1) || { echo "$$out"; exit 1; }; \
		echo "$$t: $$(echo "$$out" | tail -n 1)"; done

# Rolling restarts of three instances of examples/instance behind HAProxy,
# under wrk load, in a network namespace of its own (tests/ops/rolling.sh;
# about four minutes). The figures go to $(BUILD)/ops/summary.txt.
ops-check:
	@scripts/deps.sh build ops
	@$(MAKE) -s --no-print-directory lib $(BUILD)/examples/instance $(CERTS)
	@tests/ops/rolling.sh $(BUILD) $(BUILD)/ops

demo:
	@scripts/deps.sh build
	@$(MAKE) -s --no-print-directory lib $(EXAMPLE_BINS)
	@scripts/demo.sh $(BUILD) $(PORT)

# Debian packages (debian/, scripts/deb.sh); lintian must find no error.
deb:
	@scripts/deb.sh

# Debian's own programs on Debian's library and on ours, in a throwaway root
# under build/dropin (tests/dropin/README.md).
dropin: deb
	@tests/dropin/run.sh

clean:
	rm -rf build

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

lint:
	@scripts/lint.sh

# Fuzzing and benchmarks have makefiles of their own.
-include fuzz/fuzz.mk
-include bench/bench.mk

# build/dropin holds a whole Debian system (make dropin): not searched.
-include $(shell test -d $(BUILD) && find $(BUILD) -path $(BUILD)/dropin -prune -o -name '*.d' -type f -print 2>/dev/null)
