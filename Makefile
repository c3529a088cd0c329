# SPDX-License-Identifier: GPL-2.0
#
# xnet top-level Makefile.
#
#   make [all]            build module/xnet.ko, tools, selftests
#   make deps             install build/test dependencies (apt-get, root)
#   make lint             checkpatch --strict, W=1 build with sparse (C=1),
#                         manual pages (mandoc, groff, scripts/manlint.py),
#                         the tools against their docs (make toolslint)
#   make check            deps, lint, build, boot the test VM, run selftests
#                         (installed there by kselftest's lib.mk install)
#   make check T=name     one test alone in the VM, quickly (no deps check,
#                         no lint; initramfs base cached): under a minute
#   make check-debug      the same selftests on a KASAN/lockdep/kmemleak
#                         kernel built from linux-source-6.1 (cached)
#   make check-net        deps, build, boot two VMs joined by a virtio-net
#                         and an e1000 link, run selftests/net/ across them
#   make demo             deps, build, boot the VM running the xnet-ping demo
#   make bench            deps, build, benchmark xnet against TCP, UDP, TIPC
#                         and AF_UNIX in two topologies, one after the other:
#                         one VM (namespaces joined by a veth), then two VMs
#                         joined by a virtio-net link (netbench.py); one
#                         table per topology, JSON and PNG charts in
#                         bench-results/
#   make vm-shell         boot the VM with an interactive shell
#   make install          module (Kbuild modules_install into
#                         /lib/modules/KREL/extra, then depmod), tools,
#                         UAPI header, man pages, Wireshark dissector,
#                         bash completion; DESTDIR, PREFIX (root)
#   make uninstall        removes what install put (same DESTDIR, PREFIX)
#   make dkms-src         the module's sources alone into DKMS_SRC
#                         (/usr/src/xnet-VERSION), for dkms install
#   make check-dkms       dkms add/build/install for both Debian kernels,
#                         the DKMS-built module loaded in the VM (root)
#   make check-install    make install/uninstall into a staging DESTDIR,
#                         the file list checked (scripts/install.list)
#   make kdir             print the kernel build dir and release used
#   make manlint          the manual pages' lint alone (part of make lint)
#   make toolslint        builds the tools, then: README's xnetctl list is
#                         xnetctl --help, the JSON writer, the bash
#                         completion, xnetctl's argument parsing (part
#                         of make lint)
#   make selftests        build selftests/ through kselftest's lib.mk
#   make ksft-headers     lay out kselftest's lib.mk, runner and harness
#                         from linux-source-6.1 in build/ksft
#   make -C selftests run_tests   run the suite on this machine (root,
#                         xnet loaded or loadable; kselftest TAP)
#   make -C selftests install INSTALL_PATH=DIR   the suite with its
#                         run_kselftest.sh [-l] [-t xnet:TEST] (any machine
#                         with the module; a test exits 4, SKIP, when the
#                         module or a tool it needs is missing)
#   make help             this list
#   make clean
#
# Variables:
#   KVER=6.1 (default) | 6.12 | <full release>   test kernel
#   KDIR=<kernel build dir> for "all", "modules" and "install" (default:
#        KVER's if KVER is given, else the running kernel's build dir if
#        present, else 6.1's).  check/demo/lint always use KVER's.
#   DESTDIR=DIR PREFIX=/usr/local   install/uninstall: staging root and
#        prefix (BINDIR SBINDIR INCLUDEDIR MANDIR BASHCOMPDIR
#        WIRESHARK_PLUGIN_DIR INSTALL_MOD_DIR=extra: see below)
#   JOBS=N                parallel jobs of the builds (default: nproc)
#   T=name                run only this test (check, check-net, check-debug)
#                         e.g. make check T=dgram_echo.sh
#   XNET_TESTS="t1 t2"    run only these selftests in the VM
#   XNET_VM_TIMEOUT=N     VM time limit in seconds
#   XNET_VM_SPLIT=0       make check: one VM for every test (default 1:
#                         the parallel tests and the others in two VMs
#                         at once, scripts/vm.sh)
#   XNET_CACHE=DIR        where check-debug keeps its kernel (/var/cache/xnet)
#   XNET_BENCH_REPS=5 XNET_BENCH_SECS=2 XNET_BENCH_IDLE_N=2000
#   XNET_BENCH_ONLY=tput,rr,crr,loss,idle,fair,fwd,routes,secure,cpu,seg,pace
#                         bench settings (see scripts/vm.sh,
#                         scripts/netbench.py); XNET_BENCH_FAIR_SECS=20 (the
#                         fairness run); XNET_BENCH_PACE_SECS=2 (each
#                         pacing run). cpu: CPU s/GiB of xnet and TCP
#                         sending by copy, MSG_ZEROCOPY and sendfile; seg:
#                         XNET_SEGMENT vs UDP_SEGMENT goodput; pace:
#                         SO_MAX_PACING_RATE accuracy, xnet vs TCP
#   TOPO=1vm|2vm          bench: only this topology (default both; also
#                         XNET_BENCH_TOPO)

ifneq ($(KERNELRELEASE),)
# Kbuild fallback, used only if no top-level Kbuild file exists.
obj-y += module/
else

SHELL := /bin/bash
# An explicit KVER (command line or environment) picks the kernel of
# every build; without one "make" builds for the running kernel.
KVER_GIVEN := $(filter command line environment,$(origin KVER))
KVER ?= 6.1
VERSION := $(shell cat $(CURDIR)/VERSION)

ifeq ($(KVER),6.1)
KVER_FULL := $(shell ls -1 /lib/modules 2>/dev/null | \
	grep -E '^6\.1\.[0-9]+-[0-9]+-amd64$$' | sort -V | tail -1)
else ifeq ($(KVER),6.12)
KVER_FULL := $(shell ls -1 /lib/modules 2>/dev/null | \
	grep -E '^6\.12\.[0-9]+\+deb12-amd64$$' | sort -V | tail -1)
else
KVER_FULL := $(KVER)
endif
KVER_KDIR := /lib/modules/$(KVER_FULL)/build
HOST_KDIR := /lib/modules/$(shell uname -r)/build
KDIR ?= $(if $(KVER_GIVEN),$(KVER_KDIR),$(if $(wildcard $(HOST_KDIR)/Makefile),$(HOST_KDIR),$(KVER_KDIR)))
# KDIR's release (Debian's 6.1 headers say 6.1.N in kernel.release)
KREL = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)

# make install: where things go (DESTDIR is prepended to each)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# Wireshark reads global Lua plugins from /usr/lib/MULTIARCH/wireshark/
# plugins (tshark -G folders): under another PREFIX it does not find
# them (PREFIX=/usr, or WIRESHARK_PLUGIN_DIR=~/.local/lib/wireshark/plugins)
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
WIRESHARK_PLUGIN_DIR ?= $(PREFIX)/lib/$(if $(MULTIARCH),$(MULTIARCH)/)wireshark/plugins
# Kbuild's own default for external modules; Debian's DKMS uses
# updates/dkms, which depmod prefers: install one way or the other
INSTALL_MOD_DIR ?= extra
DKMS_SRC ?= /usr/src/xnet-$(VERSION)

BUILD := $(CURDIR)/build
# Jobs for the sub-makes (Kbuild, tools, selftests); the top level stays
# serial (.NOTPARALLEL below).
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
KSFT_INC := $(BUILD)/ksft
DEPS_ARG := $(if $(filter 6.12.% 6.12,$(KVER)),6.12,)

# Files our lint covers; sparse/W=1 diagnostics are only counted for these.
LINT_FILES = $(filter-out %.mod.c,$(wildcard module/*.c module/*.h)) \
	include/uapi/linux/xnet.h
OURS_RE := (^(\./)?|$(CURDIR)/)(module/|include/uapi/linux/xnet\.h)

.NOTPARALLEL:

# T=name: one test, alone (make check T=neigh.sh; make check-net T=neigh).
ifneq ($(T),)
XNET_TESTS := $(T)
export XNET_TESTS
endif

.PHONY: check-net _check-net all modules tools selftests deps lint checkpatch sparse wbuild \
	check demo vm-shell kver-check clean ksft-headers _check _demo \
	check-debug _check-debug debug-kernel bench _bench manlint help \
	toolslint install uninstall dkms-src check-dkms check-install kdir version-check

all: modules tools selftests

# The targets and variables, from the comment at the top of this file.
help:
	@sed -n '3,/^$$/{s/^# \{0,1\}//;p}' $(firstword $(MAKEFILE_LIST))

# An M= build keeps objects next to the sources: rebuilding for another
# kernel needs a clean first, or Kbuild would keep the old objects.
modules:
	@test -d "$(KDIR)" || { echo "KDIR $(KDIR) missing (make deps KVER=$(KVER))" >&2; exit 1; }
	@mkdir -p $(BUILD); \
	if [ "$$(cat $(BUILD)/.kdir 2>/dev/null)" != "$$(readlink -f $(KDIR))" ]; then \
		$(MAKE) -C $(KDIR) M=$(CURDIR) clean >/dev/null; \
		readlink -f $(KDIR) >$(BUILD)/.kdir; \
	fi
	$(MAKE) -j$(JOBS) -C $(KDIR) M=$(CURDIR) modules
	@echo "$(W)" >$(BUILD)/.w

tools:
	$(MAKE) -j$(JOBS) -C tools

ksft-headers:
	@scripts/ksft-headers.sh $(KSFT_INC)

selftests: ksft-headers
	$(MAKE) -j$(JOBS) -C selftests KSFT_INC=$(KSFT_INC)

deps:
	scripts/deps.sh $(DEPS_ARG)

kver-check:
	@test -n "$(KVER_FULL)" -a -d "/lib/modules/$(KVER_FULL)" || \
		{ echo "no installed kernel for KVER=$(KVER) (make deps KVER=$(KVER))" >&2; exit 1; }
	@test -d "$(KVER_KDIR)" || \
		{ echo "no headers in $(KVER_KDIR) (make deps KVER=$(KVER))" >&2; exit 1; }

# --- lint -------------------------------------------------------------------
CHECKPATCH_DIR := $(BUILD)/checkpatch
CHECKPATCH := $(CHECKPATCH_DIR)/checkpatch.pl

$(CHECKPATCH):
	@src=$$(scripts/ksrc-extract.sh) && mkdir -p $(CHECKPATCH_DIR) && \
	cp $$src/scripts/checkpatch.pl $$src/scripts/spelling.txt \
	   $$src/scripts/const_structs.checkpatch $(CHECKPATCH_DIR)/

lint: version-check checkpatch wbuild manlint toolslint

# One version everywhere: VERSION feeds the module and the tools;
# dkms.conf must repeat it.
version-check:
	@scripts/version-check.sh

checkpatch: $(CHECKPATCH)
	@echo "lint: checkpatch --strict $(LINT_FILES)"
	@out=$$(perl $(CHECKPATCH) --no-tree --strict --terse --show-types \
		--file $(LINT_FILES) 2>&1); \
	bad=$$(grep -E 'ERROR|WARNING|CHECK' <<<"$$out"); \
	if [ -n "$$bad" ]; then echo "$$bad"; echo "lint: checkpatch FAILED" >&2; exit 1; fi

# The manual pages (docs/man): mandoc -T lint and groff -ww must be
# silent, and scripts/manlint.py finds every tool option, counter, sysctl
# and SOL_XNET option in its page.
MAN_PAGES = $(wildcard docs/man/*.[1-8])
manlint:
	@echo "lint: manual pages ($(notdir $(MAN_PAGES)))"
	@command -v mandoc >/dev/null || { echo "lint: mandoc missing (make deps)" >&2; exit 1; }
	@out=$$(mandoc -T lint $(MAN_PAGES) 2>&1; \
		for p in $(MAN_PAGES); do groff -ww -z -man $$p 2>&1; done); \
	if [ -n "$$out" ]; then echo "$$out"; echo "lint: manual pages FAILED" >&2; exit 1; fi
	@python3 scripts/manlint.py

# The tools against what documents them, after building them: README's
# "## xnetctl reference" block is `xnetctl --help` (scripts/readme-help.py;
# --fix rewrites it), the JSON writer's output parses and holds what was
# written, the bash completion completes (scripts/completion-test.sh),
# and xnetctl's argument parsing (scripts/xnetctl-args-test.sh).
toolslint: tools
	@echo "lint: README's xnetctl list, JSON writer, bash completion, xnetctl's arguments"
	@python3 scripts/readme-help.py
	@python3 scripts/json-writer-test.py
	@out=$$(bash scripts/xnetctl-args-test.sh) || \
		{ grep -v '^ok' <<<"$$out"; echo "lint: xnetctl arguments FAILED" >&2; exit 1; }; \
	echo "xnetctl-args: $$(grep -c '^ok' <<<"$$out") cases as expected"
	@out=$$(bash scripts/completion-test.sh) || \
		{ grep -v '^ok' <<<"$$out"; echo "lint: bash completion FAILED" >&2; exit 1; }; \
	echo "completion: $$(grep -c '^ok' <<<"$$out") cases complete as expected"

# One clean build against the test kernel with W=1 and sparse on every
# file it compiles (C=1); "make sparse" alone re-checks without
# recompiling (C=2).  Any diagnostic from our files fails.  These share
# the module's object directory, hence .NOTPARALLEL (sub-makes use -j$(JOBS)).
wbuild: kver-check
	@echo "lint: W=1 build with sparse (C=1) for $(KVER_FULL)"
	@$(MAKE) --no-print-directory -C $(KVER_KDIR) M=$(CURDIR) clean >/dev/null
	@rm -f $(BUILD)/.kdir
	@out=$$($(MAKE) -j$(JOBS) -C $(KVER_KDIR) M=$(CURDIR) W=1 C=1 modules 2>&1); rc=$$?; \
	echo "$$out" | grep -vE '^make(\[[0-9]+\])?: (Entering|Leaving)'; \
	bad=$$(grep -E '(warning|error):|WARNING:' <<<"$$out" | grep -E '$(OURS_RE)'); \
	if [ $$rc != 0 ] || [ -n "$$bad" ]; then echo "lint: W=1 build FAILED" >&2; exit 1; fi; \
	readlink -f $(KVER_KDIR) >$(BUILD)/.kdir; echo 1 >$(BUILD)/.w

sparse: kver-check
	@echo "lint: sparse (C=2) for $(KVER_FULL)"
	@out=$$($(MAKE) -C $(KVER_KDIR) M=$(CURDIR) C=2 modules 2>&1); rc=$$?; \
	bad=$$(grep -E '(warning|error):' <<<"$$out" | grep -E '$(OURS_RE)'); \
	if [ $$rc != 0 ] || [ -n "$$bad" ]; then echo "$$out"; echo "lint: sparse FAILED" >&2; exit 1; fi

# --- VM ---------------------------------------------------------------------
# deps first, in a sub-make, so KVER_FULL is resolved after installing.
# With T=name (the quick loop) the packages are not re-checked: make deps.
check:
	@if [ -n "$(T)" ]; then echo "check: T=$(T): deps not re-checked (make deps)"; \
	else $(MAKE) --no-print-directory deps; fi
	@$(MAKE) --no-print-directory _check

# A lint failure does not stop the VM run (more information per run); it
# counts as one failed test in the final "N passed, N failed" line.
# With T=name (one test, the quick loop) lint is left to "make lint".
# The module is built with W=1 first, the initramfs from it, and then lint
# runs beside the VMs, at nice 10 and into build/lint.log, shown when
# they are done: the VMs leave about half a core idle (their tests wait
# on timers), which lint's own W=1 sparse build of the module fills (its
# Kbuild clean comes after the initramfs took xnet.ko). With T=name the
# module is built with the W= of the last build (build/.w): a changed
# command line would make Kbuild recompile every object.
_check: kver-check
	@if ! $(MAKE) --no-print-directory all KDIR=$(KVER_KDIR) W=$(if $(T),$$(cat $(BUILD)/.w 2>/dev/null),1); then \
		echo "check: build FAILED"; echo "0 passed, 1 failed"; exit 1; \
	fi; \
	if [ -n "$(T)" ]; then \
		echo "check: T=$(T): lint skipped (make lint)"; \
		exec scripts/vm.sh check $(KVER_FULL); \
	fi; \
	scripts/vm.sh initrd $(KVER_FULL) || { echo "0 passed, 1 failed"; exit 1; }; \
	echo "check: make lint beside the VMs (build/lint.log)"; \
	rm -f $(BUILD)/lint.rc; \
	( nice -n 10 $(MAKE) --no-print-directory -k lint >$(BUILD)/lint.log 2>&1; \
	  echo $$? >$(BUILD)/lint.rc ) & lpid=$$!; \
	XNET_CHECK_INITRD=$(BUILD)/initramfs-$(KVER_FULL).cpio \
	XNET_VM_SPLIT=$${XNET_VM_SPLIT:-1} scripts/vm.sh check $(KVER_FULL) | \
		tee $(BUILD)/check.out | \
		grep --line-buffered -vE '^[0-9]+ passed, [0-9]+ failed$$'; \
	wait $$lpid; \
	sed 's/^/lint| /' $(BUILD)/lint.log; \
	pre=0; \
	if [ "$$(cat $(BUILD)/lint.rc 2>/dev/null)" != 0 ]; then \
		pre=1; echo "check: lint FAILED (counted as 1 failed test)"; \
	else echo "check: lint passed"; fi; \
	line=$$(grep -E '^[0-9]+ passed, [0-9]+ failed$$' $(BUILD)/check.out | tail -1); \
	[ -n "$$line" ] || line="0 passed, 1 failed"; \
	p=$${line%% passed*}; f=$${line#*, }; f=$${f%% failed}; \
	echo "$$p passed, $$((f + pre)) failed"; \
	[ $$((f + pre)) = 0 ]

# The debug lane: the debug kernel is built once per linux-source version
# and config fragment and cached outside the checkout (scripts/
# debug-kernel.sh); the module is built against it and the tests of
# selftests/TESTS.debug (XNET_DEBUG_ALL=1: the whole suite) run with more
# memory and time (KASAN and lockdep under TCG are slow).
# The guest adds a kmemleak scan; any KASAN/lockdep/UBSAN/refcount report
# fails the run (panic_on_warn, and the dmesg check).
# no5lvl: QEMU's "-cpu max" offers 5-level paging, and 6.1's
# identify_cpu() clears the boot CPU's feature words (LA57 with them)
# before it reads them again; an interrupt in that window makes KASAN
# take the 5-level direct map for a wild address ("BUG: KASAN:
# wild-memory-access" in handle_edge_irq, 7 ms into boot, before any of
# ours is loaded). With 4-level paging there is no such window.
# watchdog_thresh=60: the kernel's lockup detector is scaled like the
# tests' timeouts (timeout_mul). This kernel runs ~8x slower than the
# Debian ones under TCG, and code patching (enabling a tracepoint patches
# static keys and calls, with IPIs to the other vCPU) once held a vCPU
# past the default 20 s: a soft-lockup panic in xnet_audit's
# events/xnet/enable write with nothing of xnet's on the stack. A real
# lockup still panics, after 120 s, with every CPU's backtrace.
check-debug:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory _check-debug

debug-kernel:
	@scripts/debug-kernel.sh

_check-debug:
	@dir=$$(scripts/debug-kernel.sh) || \
		{ echo "check-debug: debug kernel build FAILED"; echo "0 passed, 1 failed"; exit 1; }; \
	krel=$$(cat $$dir/krel); \
	if ! $(MAKE) --no-print-directory all KDIR=$$dir/build; then \
		echo "check-debug: build FAILED"; echo "0 passed, 1 failed"; exit 1; \
	fi; \
	XNET_KERNEL_IMAGE=$$dir/build/arch/x86/boot/bzImage \
	XNET_MODROOT=$$dir/mods \
	XNET_VM_MEM=$${XNET_VM_MEM:-2048} \
	XNET_VM_TIMEOUT=$${XNET_VM_TIMEOUT:-5400} \
	XNET_VM_APPEND="xnettest.timeout_mul=8 no5lvl watchdog_thresh=60 softlockup_all_cpu_backtrace=1 $${XNET_VM_APPEND:-}" \
	XNET_SLUB_DEBUG= \
	XNET_TESTS="$${XNET_TESTS:-$$(test -n "$(XNET_DEBUG_ALL)" || \
		sed 's/#.*//' selftests/TESTS.debug | awk '{print $$1}')}" \
	scripts/vm.sh check $$krel

# The multi-VM lane (scripts/netlab.py): two VMs, one vCPU each, joined by
# a virtio-net-pci link and an e1000 link (QEMU socket netdevs on
# 127.0.0.1), the tests of selftests/net/TESTS (XNET_TESTS: a subset).
check-net:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory _check-net

_check-net: kver-check
	@if ! $(MAKE) --no-print-directory all KDIR=$(KVER_KDIR); then \
		echo "check-net: build FAILED"; echo "0 passed, 1 failed"; exit 1; \
	fi
	@scripts/netlab.py check $(KVER_FULL) $${XNET_TESTS:+-t $$XNET_TESTS}

demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory _demo

_demo: kver-check
	@$(MAKE) --no-print-directory all KDIR=$(KVER_KDIR)
	@scripts/vm.sh demo $(KVER_FULL)

# One VM: it writes raw JSON lines to its third serial port
# (build/bench-KVER.json). Two VMs: netbench.py writes them
# (build/bench-2vm-KVER.json). bench-report.py turns both into one table
# per topology, bench-results/results.json and the charts.
TOPO ?= $(if $(XNET_BENCH_TOPO),$(XNET_BENCH_TOPO),1vm 2vm)
bench:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory _bench

_bench: kver-check
	@$(MAKE) --no-print-directory all KDIR=$(KVER_KDIR)
	@raw=""; \
	if [[ " $(TOPO) " == *" 1vm "* ]]; then \
		scripts/vm.sh bench $(KVER_FULL) || echo "bench: 1vm: some measurements failed (see above)"; \
		raw="$$raw $(BUILD)/bench-$(KVER_FULL).json"; \
	fi; \
	if [[ " $(TOPO) " == *" 2vm "* ]]; then \
		scripts/netbench.py $(KVER_FULL) $(BUILD)/bench-2vm-$(KVER_FULL).json || echo "bench: 2vm: some measurements failed (see above)"; \
		raw="$$raw $(BUILD)/bench-2vm-$(KVER_FULL).json"; \
	fi; \
	[ -n "$$raw" ] || { echo "bench: TOPO must name 1vm and/or 2vm"; exit 2; }; \
	scripts/bench-report.py $$raw bench-results

vm-shell: kver-check
	@$(MAKE) --no-print-directory all KDIR=$(KVER_KDIR)
	@scripts/vm.sh shell $(KVER_FULL)

# --- install ----------------------------------------------------------------
kdir:
	@echo "KDIR $(KDIR)"; echo "KREL $(KREL)"

INSTALL_ENV = DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" BINDIR="$(BINDIR)" \
	SBINDIR="$(SBINDIR)" INCLUDEDIR="$(INCLUDEDIR)" MANDIR="$(MANDIR)" \
	BASHCOMPDIR="$(BASHCOMPDIR)" WIRESHARK_PLUGIN_DIR="$(WIRESHARK_PLUGIN_DIR)" \
	KDIR="$(KDIR)" KREL="$(KREL)" INSTALL_MOD_DIR="$(INSTALL_MOD_DIR)" \
	MAKE="$(MAKE)"

install: modules tools
	@test -n "$(KREL)" || { echo "install: no release in $(KDIR)" >&2; exit 1; }
	@$(INSTALL_ENV) scripts/install.sh install

uninstall:
	@$(INSTALL_ENV) scripts/install.sh uninstall

# What dkms add copies: the module's sources, no build output, no .git.
DKMS_FILES = dkms.conf VERSION Kbuild module/Kbuild \
	$(filter-out %.mod.c,$(wildcard module/*.c)) $(wildcard module/*.h) \
	include/uapi/linux/xnet.h
dkms-src:
	@test ! -e "$(DKMS_SRC)" || { echo "dkms-src: $(DKMS_SRC) exists (dkms remove xnet/$(VERSION) --all; rm -r it)" >&2; exit 1; }
	@mkdir -p "$(DKMS_SRC)"
	@tar -c $(DKMS_FILES) | tar -x -C "$(DKMS_SRC)"
	@echo "dkms-src: $(DKMS_SRC) ($(words $(DKMS_FILES)) files); now: dkms install xnet/$(VERSION)"

# The VM half needs the tools and selftests (any kernel's build will do).
check-dkms:
	@$(MAKE) --no-print-directory deps DEPS_ARG=6.12
	@$(MAKE) --no-print-directory tools selftests
	@scripts/dkms-check.sh

check-install:
	@scripts/install-check.sh

clean:
	-@test -d "$(KDIR)" && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-@test -d tools && $(MAKE) -C tools clean
	-@test -d selftests && $(MAKE) -C selftests clean KSFT_INC=$(KSFT_INC)
	rm -rf $(BUILD)

endif
