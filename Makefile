# dubbatch: batch lip-sync through Kling LipSync on fal.ai.
#
#   make            build build/dubbatch and build/dubbatch-media
#   make test       unit and integration tests (needs the fixtures)
#   make check      the same tests built with ASan and UBSan
#   make fuzz       the libFuzzer targets, FUZZ_SECONDS (60) each
#   make demo       a real batch against the bundled fake fal server
#   make chaos      200 jobs through faults on every route and 10 SIGKILLs
#   make bench      the benchmarks in scripts/bench-*.sh
#   make install    the programs, the man page, bash and zsh completion and
#                   the manifest schema, under $(DESTDIR)$(PREFIX)

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
# dubbatch looks for dubbatch-media beside itself, then in ../libexec/dubbatch.
LIBEXECDIR ?= $(PREFIX)/libexec/dubbatch
MANDIR ?= $(PREFIX)/share/man
# The manifest's JSON Schema and the example manifests beside it.
DATADIR ?= $(PREFIX)/share/dubbatch
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
DATA = manifests/schema.json manifests/example.yaml manifests/example-tts.yaml
BUILD ?= build
CC ?= cc

# dubbatch-media (probe/) alone links libav; dubbatch links the rest.
MEDIA_PKGS = libavformat libavcodec libavfilter libswscale libswresample \
             libavutil libcjson
MAIN_PKGS = libcurl libcjson yaml-0.1 sqlite3
PKGS = $(MEDIA_PKGS) $(MAIN_PKGS)

# A fresh machine has none of the libraries: install them before anything
# asks pkg-config for flags.  Skipped for targets that build nothing.
ifeq ($(filter clean uninstall,$(MAKECMDGOALS)),)
ifneq ($(shell pkg-config --exists $(PKGS) && echo ok),ok)
$(info dubbatch: libraries missing, running scripts/deps.sh)
DEPS_RC := $(shell sh scripts/deps.sh >&2; echo $$?)
ifneq ($(DEPS_RC),0)
$(error scripts/deps.sh failed; install the packages it names by hand)
endif
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS := $(shell pkg-config --libs $(PKGS))
MAIN_LIBS := $(shell pkg-config --libs $(MAIN_PKGS)) -lm
MEDIA_LIBS := $(shell pkg-config --libs $(MEDIA_PKGS)) -lm
endif

WARN = -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
       -Wpointer-arith -Wformat=2 -Wundef -Wvla -Wno-unused-parameter \
       -Werror=implicit-function-declaration
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) -Ipipeline -Iprobe $(PKG_CFLAGS) \
             -MMD -MP
ALL_LDFLAGS = $(LDFLAGS)
LIBS = $(PKG_LIBS) -lm

# libFuzzer targets: clang only, always with both sanitizers.
ifneq ($(FUZZ),)
ALL_CFLAGS += -fsanitize=fuzzer-no-link,address,undefined \
              -fno-sanitize-recover=all -fno-omit-frame-pointer -O1
ALL_LDFLAGS += -fsanitize=fuzzer,address,undefined
endif

ifneq ($(SAN),)
ALL_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer -O1
ALL_LDFLAGS += -fsanitize=address,undefined
endif

SRC = $(wildcard pipeline/*.c) $(wildcard probe/*.c)
OBJ = $(SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard pipeline/*.c))
# The worker speaks JSON about facts, plans and scenes: wire.c (and
# wiretask.c), util.c (and utilfile.c), plan.c and scene.c; it hashes with
# sha256.c.
MEDIA_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard probe/*.c)) \
            $(BUILD)/pipeline/util.o $(BUILD)/pipeline/utilfile.o \
            $(BUILD)/pipeline/wire.o $(BUILD)/pipeline/wiretask.o \
            $(BUILD)/pipeline/plan.o $(BUILD)/pipeline/scene.o \
            $(BUILD)/pipeline/sha256.o
LIB_OBJ = $(filter-out $(BUILD)/pipeline/main.o $(BUILD)/probe/media_main.o,$(OBJ))
TEST_SRC = $(wildcard tests/unit/test_*.c)
TEST_BIN = $(TEST_SRC:tests/unit/%.c=$(BUILD)/%)
# Small programs that integration tests drive (e.g. the fal client alone).
TOOL_SRC = $(wildcard tests/tools/*.c)
TOOL_BIN = $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tool_%)
# One libFuzzer target per file; tests/fuzz/corpus/<name>/ holds its seeds.
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/%)
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60

all: $(BUILD)/dubbatch $(BUILD)/dubbatch-media

$(BUILD)/dubbatch: $(MAIN_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $(MAIN_OBJ) $(MAIN_LIBS)

$(BUILD)/dubbatch-media: $(MEDIA_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $(MEDIA_OBJ) $(MEDIA_LIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/test_%: tests/unit/test_%.c $(LIB_OBJ)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(ALL_LDFLAGS) -o $@ $< $(LIB_OBJ) $(LIBS)

$(BUILD)/tool_%: tests/tools/%.c $(LIB_OBJ)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB_OBJ) $(LIBS)

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/tests/fuzz/fuzz.o $(LIB_OBJ)
	$(CC) $(ALL_CFLAGS) -Itests/fuzz $(ALL_LDFLAGS) -o $@ $< \
	    $(BUILD)/tests/fuzz/fuzz.o $(LIB_OBJ) $(LIBS)

fixtures:
	sh scripts/fixtures.sh

test: all $(TEST_BIN) $(TOOL_BIN) fixtures
	sh scripts/checksrc.sh
	sh tests/run.sh $(BUILD) "$(T)"

# ASan's leak checker is off: libav and libcurl keep process-lifetime
# allocations that it would report on every run.
check:
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(MAKE) BUILD=build-san SAN=1 test

# Each target runs FUZZ_SECONDS on its committed seeds plus what earlier
# runs found (build-fuzz/corpus/); a crash fails it and leaves the input in
# build-fuzz/.  fuzz-merge adds what raises coverage to the committed seeds.
fuzz:
	sh scripts/deps.sh
	$(MAKE) BUILD=build-fuzz FUZZ=1 CC=$(FUZZ_CC) fuzz-targets
	sh scripts/fuzz.sh run build-fuzz $(FUZZ_SECONDS) $(T)

fuzz-merge:
	sh scripts/deps.sh
	$(MAKE) BUILD=build-fuzz FUZZ=1 CC=$(FUZZ_CC) fuzz-targets
	sh scripts/fuzz.sh merge build-fuzz 0 $(T)

fuzz-targets: $(FUZZ_BIN)

demo: all
	sh scripts/demo.sh

# The long chaos run: 200 jobs, 10 SIGKILLs, every fault on every route.
chaos: all fixtures
	sh scripts/chaos.sh 200 10

bench: all fixtures
	for b in scripts/bench-*.sh; do sh $$b || exit 1; done

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DATADIR) \
	    $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 $(BUILD)/dubbatch $(DESTDIR)$(BINDIR)/dubbatch
	install -m 755 $(BUILD)/dubbatch-media $(DESTDIR)$(LIBEXECDIR)/dubbatch-media
	install -m 644 man/dubbatch.1 $(DESTDIR)$(MANDIR)/man1/dubbatch.1
	install -m 644 $(DATA) $(DESTDIR)$(DATADIR)
	install -m 644 completion/dubbatch.bash $(DESTDIR)$(BASHCOMPDIR)/dubbatch
	install -m 644 completion/_dubbatch $(DESTDIR)$(ZSHCOMPDIR)/_dubbatch

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/dubbatch $(DESTDIR)$(LIBEXECDIR)/dubbatch-media \
	    $(DESTDIR)$(MANDIR)/man1/dubbatch.1 \
	    $(DATA:manifests/%=$(DESTDIR)$(DATADIR)/%) \
	    $(DESTDIR)$(BASHCOMPDIR)/dubbatch $(DESTDIR)$(ZSHCOMPDIR)/_dubbatch
	-rmdir $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DATADIR) 2>/dev/null

clean:
	rm -rf build build-san build-fuzz tests/out

.PHONY: all test check fuzz fuzz-merge fuzz-targets demo chaos bench \
        fixtures install uninstall clean

-include $(OBJ:.o=.d) $(TEST_BIN:=.d) $(TOOL_BIN:=.d) $(FUZZ_BIN:=.d) \
         $(BUILD)/tests/fuzz/fuzz.d
