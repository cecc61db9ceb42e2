# snasio's tasks. `just setup && just serve` on a fresh Debian bookworm machine.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Debian's interpreter: the one snasio embeds (python3-embed) and tests with.
# A `python3` found first on PATH may be another interpreter entirely.
python := "/usr/bin/python3"
build := "build"

# Everything snasio builds, tests and fuzzes with, from Debian.
packages := "meson ninja-build g++ pkg-config libasio-dev node-llhttp rapidjson-dev catch2 " + \
  "python3-dev python3-venv python3-pytest python3-hypothesis python3-werkzeug python3-numpy " + \
  "clang libclang-rt-14-dev wrk python3-uvloop nginx-light iproute2 libre2-dev python3-pydantic " + \
  "zlib1g-dev libbrotli-dev python3-brotli"
# What `just bench` adds: the peers it measures and the chart it draws.
bench_packages := "wrk python3-uvicorn python3-httptools uwsgi-core uwsgi-plugin-python3 python3-aiohttp " + \
  "nginx-light python3-matplotlib valgrind"

default:
    @just --list

# Install missing Debian packages, then configure the build directory.
setup:
    @just _install {{packages}}
    if [ ! -f {{build}}/build.ninja ]; then meson setup {{build}} -Dpython={{python}}; fi

# Installs the Debian packages named that are not installed yet.
_install +names:
    #!/usr/bin/env bash
    set -euo pipefail
    missing=()
    for p in {{names}}; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
      echo "installing: ${missing[*]}"
      sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
      $sudo apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi

# Compile everything (configuring the build directory first if it is missing).
build:
    @if [ ! -f {{build}}/build.ninja ]; then meson setup {{build}} -Dpython={{python}}; fi
    meson compile -C {{build}}

# Serve examples/app on 127.0.0.1:8000, with the access log. Flags go to
# snasio-serve, paths are taken from where you stand: just serve --port 9000 --app-dir myapp
serve *args: build
    #!/usr/bin/env bash
    set -euo pipefail
    cd "{{invocation_directory()}}"
    app=(--app-dir "{{justfile_directory()}}/examples/app")
    for a in {{args}}; do
      case "$a" in --app-dir|--app-dir=*|--module|--module=*|--app|--app=*) app=() ;; esac
    done
    exec "{{justfile_directory()}}/{{build}}/src/snasio-serve" --access-log "${app[@]}" {{args}}

# Serve the request/response fixtures under DIR with snasio and judge each
# exchange (docs/conformance.md): one line per fixture, then the counts.
conformance dir="../shared/conformance/spikard": build
    {{python}} test/conformance/runner.py --build {{build}} "{{dir}}"

# Every C++ and Python test that belongs in CI.
test: build
    meson test -C {{build}} --print-errorlogs
    SNASIO_BUILD_DIR={{build}} SNASIO_SERVE={{build}}/src/snasio-serve PYTHONPATH=py \
      {{python}} -m pytest test/py examples/app/tests -q -p no:cacheprovider

# The fuzz targets, each with its corpus under fuzz/TARGET/corpus.
fuzz_targets := "request_parser multipart router json connection validation"

# Run one fuzzer with libFuzzer, ASan and UBSan: just fuzz TARGET [SECONDS].
# New inputs go to build-fuzz/corpus/TARGET; crashes to fuzz/crash-* (then fix
# them and keep the input in the committed corpus as a regression case).
fuzz target="request_parser" seconds="60":
    #!/usr/bin/env bash
    set -euo pipefail
    case " {{fuzz_targets}} " in *" {{target}} "*) ;; *) echo "no fuzz target '{{target}}' (targets: {{fuzz_targets}})"; exit 2;; esac
    if [ ! -f build-fuzz/build.ninja ]; then
      CC=clang CXX=clang++ meson setup build-fuzz -Dpython={{python}} -Dfuzzing=true -Dtests=false \
        -Db_sanitize=address,undefined -Db_lundef=false
    fi
    ninja -C build-fuzz build.ninja >/dev/null  # picks up targets added since the setup
    meson compile -C build-fuzz fuzz/{{target}}_fuzzer
    mkdir -p build-fuzz/corpus/{{target}}
    # The json target embeds an interpreter that is never finalized: what
    # Python still holds at exit is not a leak, so leak checks are off there.
    if [ "{{target}}" = json ]; then export ASAN_OPTIONS=detect_leaks=0; fi
    extra=()
    [ -f fuzz/{{target}}/{{target}}.dict ] && extra+=(-dict=fuzz/{{target}}/{{target}}.dict)
    [ -f fuzz/{{target}}/ubsan.supp ] && export UBSAN_OPTIONS=suppressions=fuzz/{{target}}/ubsan.supp
    build-fuzz/fuzz/{{target}}_fuzzer build-fuzz/corpus/{{target}} fuzz/{{target}}/corpus \
      -max_total_time={{seconds}} -print_final_stats=1 -artifact_prefix=fuzz/ "${extra[@]}"

# Run every fuzzer in turn, SECONDS each.
fuzz-all seconds="60":
    for t in {{fuzz_targets}}; do just fuzz "$t" {{seconds}}; done

# The whole suite (Catch2, fuzz corpora, pytest against the binary) built with
# AddressSanitizer and UndefinedBehaviorSanitizer. docs/testing.md says what
# the embedded interpreter needs.
test-asan:
    #!/usr/bin/env bash
    set -euo pipefail
    if [ ! -f build-asan/build.ninja ]; then
      meson setup build-asan -Dpython={{python}} -Db_sanitize=address,undefined -Db_lundef=false
    fi
    meson compile -C build-asan
    # handle_segv/handle_sigbus=0: the crash tests' deliberate faults reach the
    # server's own handler (its crash report is what they check); quarantine
    # at 32 MB: the RSS bounds measure the server, not ASan's freed memory.
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:handle_segv=0:handle_sigbus=0:quarantine_size_mb=32
    export LSAN_OPTIONS=suppressions=$PWD/test/sanitizers/lsan.supp:print_suppressions=0
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    meson test -C build-asan --print-errorlogs
    export SNASIO_BUILD_DIR=build-asan SNASIO_SERVE=build-asan/src/snasio-serve PYTHONPATH=py SNASIO_SANITIZED=1
    {{python}} -m pytest test/py examples/app/tests -q -p no:cacheprovider --ignore=test/py/test_router_props.py
    # The router's property tests load the sanitized router into this Python,
    # which needs the ASan runtime loaded first; what Python itself holds at
    # exit is not snasio's, so leak checks are off for that process only.
    LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" \
      ASAN_OPTIONS=detect_leaks=0 {{python}} -m pytest test/py/test_router_props.py -q -p no:cacheprovider

# The threads' meeting points (job queue, one-shot replies, response slots)
# under ThreadSanitizer.
test-tsan:
    #!/usr/bin/env bash
    set -euo pipefail
    if [ ! -f build-tsan/build.ninja ]; then
      meson setup build-tsan -Dpython={{python}} -Db_sanitize=thread -Db_lundef=false
    fi
    meson compile -C build-tsan test/python/bridge_test test/net/net_test
    export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
    build-tsan/test/python/bridge_test
    build-tsan/test/net/net_test

# Line and branch coverage of src/ (gcovr) and line coverage of py/snasio
# (python3-coverage inside the embedded interpreter), over the whole suite.
coverage:
    #!/usr/bin/env bash
    set -euo pipefail
    just _install gcovr python3-coverage
    if [ ! -f build-cov/build.ninja ]; then
      meson setup build-cov -Dpython={{python}} -Db_coverage=true --buildtype=debug
    fi
    meson compile -C build-cov
    find build-cov -name '*.gcda' -delete
    rm -rf build-cov/pycov && mkdir -p build-cov/pycov
    meson test -C build-cov --print-errorlogs
    # The servers measure py/snasio inside their interpreters; the test process
    # measures what runs in it (snasio.testing, the tests' own use of snasio).
    SNASIO_BUILD_DIR=build-cov SNASIO_SERVE=build-cov/src/snasio-serve PYTHONPATH=py \
      SNASIO_PYTHON_COVERAGE=$PWD/build-cov/pycov/data {{python}} -m coverage run \
      --data-file=$PWD/build-cov/pycov/data --parallel-mode --include="$PWD/py/snasio/*" \
      -m pytest test/py examples/app/tests -q -p no:cacheprovider
    echo "== src/ (C++)"
    gcovr -r . --object-directory build-cov --filter 'src/' --exclude-throw-branches \
      --exclude-unreachable-branches --print-summary --txt build-cov/coverage-src.txt | tail -3
    echo "== py/snasio (Python, in the embedded interpreter)"
    cd build-cov/pycov && {{python}} -m coverage combine -q --data-file=data data.* && \
      {{python}} -m coverage report --data-file=data --include='*/py/snasio/*' --show-missing

# The commit whose sync hello route `just bench` runs beside today's, so that a
# slowdown shows: the last one before request ids, the access log, worker
# processes, proxies and streaming.
bench_baseline := "46bca37"

# Benchmarks (not tests): snasio against uvicorn, uWSGI, aiohttp and nginx in one
# interleaved run, and the router against werkzeug; writes docs/benchmarks.md and
# its chart. Flags go to bench/http_bench.py (--pin, --duration S, --rounds N, --quick).
bench *args:
    #!/usr/bin/env bash
    set -euo pipefail
    just _install {{bench_packages}}
    if [ ! -f build-bench/build.ninja ]; then
      meson setup build-bench -Dpython={{python}} --buildtype=release
    fi
    meson compile -C build-bench
    # The baseline, built once from its own tree, optimized as above.
    if [ ! -x build-baseline/build/src/snasio-serve ] && git cat-file -e "{{bench_baseline}}^{commit}" 2>/dev/null; then
      rm -rf build-baseline && mkdir -p build-baseline/src
      git archive {{bench_baseline}} | tar -x -C build-baseline/src
      meson setup build-baseline/build build-baseline/src -Dpython={{python}} --buildtype=release
      meson compile -C build-baseline/build src/snasio-serve
    fi
    baseline=()
    if [ -x build-baseline/build/src/snasio-serve ]; then
      baseline=(--baseline "{{bench_baseline}}=build-baseline/build/src/snasio-serve")
    else
      echo "commit {{bench_baseline}} is not in this clone (a shallow one?): no comparison with it" >&2
    fi
    status=0
    {{python}} bench/http_bench.py --build build-bench --write docs/benchmarks.md "${baseline[@]}" {{args}} || status=$?
    SNASIO_BUILD_DIR=build-bench {{python}} bench/router_bench.py --write docs/benchmarks.md
    exit $status

# Soak the reactor <-> GIL-thread bridge: every kind of request, checked, for a while.
soak seconds="120": build
    {{python}} test/soak/bridge_soak.py --build {{build}} --seconds {{seconds}}

# Remove every build directory.
clean:
    rm -rf {{build}} build-fuzz build-bench build-baseline build-asan build-tsan build-cov build-uring
