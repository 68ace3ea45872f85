# pym: build, test, demo and benchmark.
#
#   make [MODE=gil|atomic|biased] [BACKEND=boehm] [DEBUG=1] [CC=clang]
#   make test      every mode built and every suite run, then memcheck
#   make demo      the identity tour
#   make bench     side-by-side benchmarks against CPython's C API
# See README.md.

MODE    ?= gil
BACKEND ?=
DEBUG   ?= 0
CC      ?= cc
PREFIX  ?= /usr/local
ROOT    := $(abspath .)

ifeq ($(BACKEND),boehm)
  VARIANT   := boehm
  MODE_DEF  := -DPYM_BACKEND_BOEHM=1
  MODE_LIBS := -lgc
else
  VARIANT   := $(MODE)
  MODE_DEF  := -DPYM_MODE_$(shell echo $(MODE) | tr a-z A-Z)=1
  MODE_LIBS :=
endif
ifeq ($(DEBUG),1)
  VARIANT  := $(VARIANT)-debug
  MODE_DEF += -DPYM_DEBUG=1
  OPT      ?= -O0
endif
SAN ?=
ifneq ($(SAN),)
  VARIANT := $(VARIANT)-$(SAN)
endif
OPT ?= -O2

ifeq ($(SAN),asan)
  SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
ifeq ($(SAN),tsan)
  SAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer
endif

B        := build/$(VARIANT)
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
CFLAGS   ?= $(OPT) -g
ALLFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SAN_FLAGS) -fPIC -pthread \
            -Iinclude $(MODE_DEF)
CORE_FLAGS := $(ALLFLAGS) -Iruntime -fvisibility=default
LIBS     := $(MODE_LIBS) -pthread -lm


LIB_SRC  := $(wildcard runtime/*.c runtime/objects/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/obj/%.o)
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(B)/tests/%)
SUPPORT  := $(wildcard tests/support/*.c)
EX_SRC   := $(wildcard examples/*.c)
EX_BIN   := $(EX_SRC:examples/%.c=$(B)/examples/%)
HEADERS  := $(wildcard include/*.h include/pym/*.h runtime/internal/*.h)

.PHONY: all lib tests examples test test-mode check demo bench bench-contention valgrind sanitize \
        tsan install deps clean clang-check

all: lib
lib: $(B)/libpym.a $(B)/libpym.so $(B)/pym.pc

$(B)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_FLAGS) -c $< -o $@

$(B)/libpym.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libpym.so: $(LIB_OBJ)
	$(CC) -shared $(SAN_FLAGS) -o $@ $^ $(LIBS)

$(B)/pym.pc: Makefile
	@mkdir -p $(B)
	@printf 'Name: pym\nDescription: CPython memory model for C (%s build, source tree)\nVersion: 0.1.0\nCflags: -I%s/include %s\nLibs: %s/%s/libpym.a %s\n' \
	  '$(VARIANT)' '$(ROOT)' '$(MODE_DEF)' '$(ROOT)' '$(B)' '$(LIBS)' > $@

# ---- tests ---------------------------------------------------------------
$(B)/tests/%: tests/%.c $(SUPPORT) $(B)/libpym.a tests/support/*.h
	@mkdir -p $(dir $@)
	$(CC) $(ALLFLAGS) -Itests $< $(SUPPORT) $(B)/libpym.a -lcmocka $(LIBS) -o $@

# The randomized collector stress program (no cmocka; see its header).
$(B)/tests/stress_gc: tests/stress_gc.c $(B)/libpym.a
	@mkdir -p $(dir $@)
	$(CC) $(ALLFLAGS) $< $(B)/libpym.a $(LIBS) -o $@

tests: $(TEST_BIN) $(B)/tests/stress_gc

# Runs every suite of one build (MODE/BACKEND/DEBUG as given), then the
# stress program: seed, objects, steps.
TEST_ENV ?=
STRESS_ARGS ?= 1 100000 20
check: tests
	@set -e; for t in $(TEST_BIN); do echo "== $$t"; env $(TEST_ENV) $$t; done
	@echo "== $(B)/tests/stress_gc $(STRESS_ARGS)"; env $(TEST_ENV) $(B)/tests/stress_gc $(STRESS_ARGS)

VALGRIND := valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible \
            --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 -q
QUICK := TEST_ENV="PYM_MALLOC=malloc PYM_TEST_QUICK=1" STRESS_ARGS="2 10000 10"
valgrind: tests
	@set -e; for t in $(TEST_BIN); do echo "== memcheck $$t"; \
	  PYM_MALLOC=malloc PYM_TEST_QUICK=1 $(VALGRIND) $$t; done
	@echo "== memcheck stress_gc 3 10000 10"; PYM_MALLOC=malloc $(VALGRIND) $(B)/tests/stress_gc 3 10000 10

sanitize:
	$(MAKE) SAN=asan check $(QUICK)
	$(MAKE) SAN=asan MODE=biased check $(QUICK)

tsan:
	$(MAKE) SAN=tsan MODE=atomic check $(QUICK)
	$(MAKE) SAN=tsan MODE=biased check $(QUICK)

# Every mode built with clang (warnings are errors), and its suites run.
clang-check:
	@set -e; for m in gil atomic biased; do \
	  $(MAKE) --no-print-directory CC=clang OPT=-O1 VARIANT=clang-$$m MODE=$$m check; done

# The full suite: every mode, a debug build, memcheck, ASan+UBSan, TSan
# and clang.
test: deps
	$(MAKE) check MODE=gil
	$(MAKE) check MODE=atomic
	$(MAKE) check MODE=biased
	$(MAKE) check MODE=gil DEBUG=1 STRESS_ARGS="4 20000 10"
	$(MAKE) valgrind MODE=gil
	$(MAKE) valgrind MODE=biased
	$(MAKE) sanitize
	$(MAKE) tsan
	$(MAKE) clang-check
	@echo "make test: all suites passed"

# ---- demo, examples, bench ------------------------------------------------
$(B)/examples/%: examples/%.c $(B)/libpym.a
	@mkdir -p $(dir $@)
	$(CC) $(ALLFLAGS) $< $(B)/libpym.a $(LIBS) -o $@

examples: $(EX_BIN)

demo: deps $(B)/examples/identity $(B)/examples/cycles $(B)/examples/weakref_cache
	@$(B)/examples/identity
	@$(B)/examples/cycles
	@$(B)/examples/weakref_cache

PY_CFLAGS := $(shell python3-config --includes 2>/dev/null)
PY_LIBS   := $(shell python3-config --embed --ldflags 2>/dev/null)

$(B)/bench/%: bench/%.c bench/side_by_side.h $(B)/libpym.a
	@mkdir -p $(dir $@)
	$(CC) $(ALLFLAGS) -O2 $(PY_CFLAGS) $< $(B)/libpym.a $(PY_LIBS) $(LIBS) -o $@

bench: deps $(B)/bench/objects $(B)/bench/gc
	@$(B)/bench/objects
	@echo
	@$(B)/bench/gc

bench-contention: deps
	@bash bench/contention.sh

# ---- install, deps, clean --------------------------------------------------
install: lib
	install -d $(DESTDIR)$(PREFIX)/include/pym $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/pym.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 include/pym/*.h $(DESTDIR)$(PREFIX)/include/pym/
	install -m 644 $(B)/libpym.a $(B)/libpym.so $(DESTDIR)$(PREFIX)/lib/
	@printf 'prefix=%s\nName: pym\nDescription: CPython memory model for C (%s build)\nVersion: 0.1.0\nCflags: -I$${prefix}/include %s\nLibs: -L$${prefix}/lib -lpym %s\n' \
	  '$(PREFIX)' '$(VARIANT)' '$(MODE_DEF)' '$(LIBS)' > $(DESTDIR)$(PREFIX)/lib/pkgconfig/pym.pc

DEPS := libcmocka-dev libgc-dev valgrind libpython3-dev pkg-config gnuplot-nox
deps:
	@missing=""; for p in $(DEPS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null; \
	  else \
	    echo "missing packages; run: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

clean:
	rm -rf build
