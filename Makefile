# ctgate - build, test and install.
#
#   make                      build build/release/{ctgate,ctgate-keys,ctgate-agent}
#   make check                unit tests, then integration tests against the real rig
#   make check SANITIZE=1     the same with an ASan+UBSan build
#   make valgrind             unit tests under valgrind (leak check)
#   make install              honours DESTDIR and PREFIX
#   make deb                  build/deb/ctgate-{gateway,agent}_*.deb (debian/, dpkg-buildpackage)
#   make demo                 bring up the rig and print the ssh line to try
#   make fuzz FUZZ_SECONDS=N  build the libFuzzer harnesses (clang) and run each for N seconds
#   make lint                 clang-tidy and cppcheck with the checked-in configuration

VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
SANITIZE   ?= 0
FAULT_INJECTION ?= 0

CC         ?= cc
# The source folders: each program's top folder and its parts (one level down).
AGENT_DIRS := hypervisor-agent $(patsubst %/,%,$(wildcard hypervisor-agent/*/))
GW_DIRS    := gateway $(patsubst %/,%,$(wildcard gateway/*/))
SRC_DIRS   := shared $(AGENT_DIRS) $(GW_DIRS)
INCLUDES   := $(addprefix -I,$(SRC_DIRS))
PKGS       := libssh ldap libcurl jansson libsodium libconfig
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
CMOCKA_LIBS := $(shell pkg-config --libs cmocka)

MODE := release
ifeq ($(FAULT_INJECTION),1)
MODE := test
endif
ifeq ($(SANITIZE),1)
MODE := $(MODE)-san
endif
BUILD := build/$(MODE)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=c17 -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -fstack-protector-strong -fPIE \
           -D_GNU_SOURCE -DCTGATE_VERSION='"$(VERSION)"' -pthread \
           $(INCLUDES) $(PKG_CFLAGS)
LDFLAGS += -pie -Wl,-z,relro,-z,now -pthread
ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
else
CFLAGS  += -D_FORTIFY_SOURCE=2
endif
ifeq ($(FAULT_INJECTION),1)
CFLAGS  += -DCTGATE_FAULT_INJECTION
endif

SHARED_SRC := $(wildcard shared/*.c)
AGENT_SRC  := $(filter-out hypervisor-agent/main.c,$(wildcard $(addsuffix /*.c,$(AGENT_DIRS))))
GW_MAINS   := gateway/main.c gateway/keys/ctgate-keys.c
GW_SRC     := $(filter-out $(GW_MAINS),$(wildcard $(addsuffix /*.c,$(GW_DIRS))))
UNIT_SRC   := $(wildcard tests/unit/test-*.c)
HEADERS    := $(wildcard $(addsuffix /*.h,$(SRC_DIRS)))

SHARED_OBJ := $(SHARED_SRC:%.c=$(BUILD)/%.o)
AGENT_OBJ  := $(AGENT_SRC:%.c=$(BUILD)/%.o)
GW_OBJ     := $(GW_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all check unit pve-sim-selftest integration valgrind install deb clean demo format fuzz lint bench

all: $(BUILD)/ctgate $(BUILD)/ctgate-keys $(BUILD)/ctgate-agent

$(BUILD)/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/ctgate: $(BUILD)/gateway/main.o $(GW_OBJ) $(SHARED_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# sshd's AuthorizedKeysCommand for the gateway account (gateway/keys/).
$(BUILD)/ctgate-keys: $(BUILD)/gateway/keys/ctgate-keys.o $(GW_OBJ) $(SHARED_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/ctgate-agent: $(BUILD)/hypervisor-agent/main.o $(AGENT_OBJ) $(SHARED_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(AGENT_OBJ) $(GW_OBJ) $(SHARED_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS)

# The rig's stand-in for a security manager (tests/rig.sh starts it; not installed).
$(BUILD)/ctgrig-enrol: tests/rig/enrol-listener.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

# The tests need the fault-injection switch, so they build their own tree.
# Benchmarks against the rig with this build's binaries (release unless FAULT_INJECTION=1):
# bench/all.sh, about 5 minutes; not part of check.
bench: all $(BUILD)/ctgrig-enrol
	CTGATE_BIN_DIR=$(CURDIR)/$(BUILD) tests/rig.sh up
	bench/all.sh

check:
	$(MAKE) FAULT_INJECTION=1 unit
	$(MAKE) pve-sim-selftest
	$(MAKE) FAULT_INJECTION=1 integration

# The Proxmox VE API double's own checks (tests/pve-sim/README.md), in memory; then the
# proxmox backend driven alone against it (tests/pve/run.sh: also pct through a remote shell,
# which the rig does not use).
pve-sim-selftest:
	python3 tests/pve-sim/selftest.py
	tests/pve/run.sh tests/pve-sim

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; CTGATE_SOURCE_DIR=$(CURDIR) $$t; done

# Every suite on the rig's LXD lane and, at the same time, the backend-independent ones (and
# proxmox.sh) on its proxmox lane against tests/pve-sim followed by the create suites on its
# pool lane (LXD with a warm pool); then the few that stop or count shared services, alone.
integration: all $(BUILD)/ctgrig-enrol
	CTGATE_BIN_DIR=$(CURDIR)/$(BUILD) tests/run-integration.sh

valgrind:
	$(MAKE) FAULT_INJECTION=1 SANITIZE=0 valgrind-unit

valgrind-unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== valgrind $$t"; \
	  CTGATE_SOURCE_DIR=$(CURDIR) valgrind --quiet --error-exitcode=99 --leak-check=full \
	    --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible $$t; done

install: all
	install -d $(DESTDIR)$(PREFIX)/libexec/ctgate $(DESTDIR)$(PREFIX)/share/man/man8 \
	  $(DESTDIR)/etc/ctgate $(DESTDIR)$(PREFIX)/lib/systemd/system
	install -m 0755 $(BUILD)/ctgate $(BUILD)/ctgate-keys $(BUILD)/ctgate-agent \
	  $(DESTDIR)$(PREFIX)/libexec/ctgate/
	install -m 0644 docs/ctgate.8 docs/ctgate-keys.8 docs/ctgate-agent.8 \
	  $(DESTDIR)$(PREFIX)/share/man/man8/
	for u in ctgate-reap ctgate-backup ctgate-pool-fill; do \
	  sed 's|/usr/local/|$(PREFIX)/|' conf/$$u.service \
	    > $(DESTDIR)$(PREFIX)/lib/systemd/system/$$u.service; \
	  install -m 0644 conf/$$u.timer $(DESTDIR)$(PREFIX)/lib/systemd/system/; done
	install -d $(DESTDIR)$(PREFIX)/share/ctgate
	for f in sshd-gateway.conf sshd-ctgate-keys.conf sshd-agent.conf authorized_keys.agent; do \
	  sed 's|/usr/local/|$(PREFIX)/|' conf/$$f > $(DESTDIR)$(PREFIX)/share/ctgate/$$f; done
	test -e $(DESTDIR)/etc/ctgate/agent.conf || \
	  install -m 0644 conf/agent.conf $(DESTDIR)/etc/ctgate/agent.conf
	test -e $(DESTDIR)/etc/ctgate/gateway.conf || \
	  install -m 0644 conf/gateway.conf $(DESTDIR)/etc/ctgate/gateway.conf
	test -e $(DESTDIR)/etc/ctgate/protocols || \
	  install -m 0644 conf/protocols $(DESTDIR)/etc/ctgate/protocols
	test -e $(DESTDIR)/etc/ctgate/services.conf || \
	  install -m 0644 conf/services.conf $(DESTDIR)/etc/ctgate/services.conf
	@echo "ctgate: now make the audit signing key (the agent refuses every request without it):"
	@echo "  runuser -u ctgate -- $(PREFIX)/libexec/ctgate/ctgate-agent audit keygen   (docs/install.md)"

# The Debian packages ctgate-gateway and ctgate-agent (debian/: debhelper builds them with
# this Makefile into build/debian).  The .deb, .buildinfo and .changes files land in build/deb;
# debian/rules clean afterwards leaves the tree as it was.  DEB_BUILD_OPTIONS=nocheck skips
# the unit tests the package build runs otherwise.  This make's own variables and -j do not
# reach the package build (it is always a release build, with Debian's build flags).
DEB_DIR := build/deb
DEB_VERSION = $(shell dpkg-parsechangelog -SVersion)
DEB_CHANGES = $(DEB_DIR)/ctgate_$(DEB_VERSION)_$(shell dpkg-architecture -qDEB_HOST_ARCH)

deb:
	@case "$(DEB_VERSION)" in $(VERSION)-*) ;; \
	  *) echo "debian/changelog's $(DEB_VERSION) is not VERSION $(VERSION)-N" >&2; exit 1 ;; esac
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL CTGATE_DEB_DIR=$(DEB_DIR) \
	  dpkg-buildpackage -us -uc -b -Jauto \
	  --buildinfo-option=-u$(DEB_DIR) --changes-option=-u$(DEB_DIR) \
	  --buildinfo-file=$(DEB_CHANGES).buildinfo --changes-file=$(DEB_CHANGES).changes
	debian/rules clean
	@ls -1 $(DEB_DIR)

demo: all $(BUILD)/ctgrig-enrol
	CTGATE_BIN_DIR=$(CURDIR)/$(BUILD) tests/demo.sh

# libFuzzer: every parser that reads outside input, built with ASan+UBSan.
FUZZ_SECONDS ?= 30
FUZZ_CC      ?= clang
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz-%.c,%,$(wildcard tests/fuzz/fuzz-*.c))
FUZZ_CFLAGS  := -g -O1 -std=c17 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -D_GNU_SOURCE -DCTGATE_VERSION='"$(VERSION)"' $(INCLUDES) $(PKG_CFLAGS)

build/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(SHARED_SRC) $(AGENT_SRC) $(GW_SRC) $(HEADERS)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(SHARED_SRC) $(AGENT_SRC) $(GW_SRC) $(PKG_LIBS)

fuzz: $(FUZZ_TARGETS:%=build/fuzz/fuzz-%)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/corpus/$$t; \
	  echo "== fuzz $$t for $(FUZZ_SECONDS)s"; \
	  if ! build/fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -max_len=70000 -print_final_stats=1 \
	      -artifact_prefix=build/fuzz/crash-$$t- build/fuzz/corpus/$$t tests/fuzz/corpus/$$t \
	      >build/fuzz/$$t.log 2>&1; then tail -n 60 build/fuzz/$$t.log; exit 1; fi; \
	  grep -E '^(stat::number_of_executed_units|stat::new_units_added|#[0-9]+[[:space:]]+DONE)' build/fuzz/$$t.log; \
	done

# Static analysis: clang-tidy (.clang-tidy) and cppcheck (.cppcheck-suppressions), both clean.
LINT_SRC   := $(SHARED_SRC) hypervisor-agent/main.c $(AGENT_SRC) $(GW_MAINS) $(GW_SRC) \
              $(wildcard tests/fuzz/*.c)
LINT_FLAGS := -std=c17 -D_GNU_SOURCE -DCTGATE_VERSION='"$(VERSION)"' $(INCLUDES) $(PKG_CFLAGS)

lint:
	clang-tidy --quiet $(LINT_SRC) -- $(LINT_FLAGS)
	clang-tidy --quiet $(LINT_SRC) -- $(LINT_FLAGS) -DCTGATE_FAULT_INJECTION
	cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability --std=c11 \
	  --inline-suppr --suppressions-list=.cppcheck-suppressions -D_GNU_SOURCE \
	  -DCTGATE_VERSION='"$(VERSION)"' $(INCLUDES) \
	  shared gateway hypervisor-agent tests/fuzz

format:
	clang-format -i $(wildcard $(addsuffix /*.[ch],$(SRC_DIRS))) tests/unit/*.[ch]

clean:
	rm -rf build
