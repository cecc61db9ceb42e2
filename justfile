# snasio's tasks. `just setup && just serve` on a fresh Debian bookworm machine.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Debian's interpreter: the one snasio embeds (python3-embed) and tests with.
# A `python3` found first on PATH may be another interpreter entirely.
python := "/usr/bin/python3"
build := "build"

# Everything snasio builds, tests and fuzzes with, from Debian.
packages := "meson ninja-build g++ pkg-config libasio-dev node-llhttp rapidjson-dev catch2 " + \
  "python3-dev python3-venv python3-pytest python3-hypothesis python3-werkzeug python3-numpy " + \
  "clang libclang-rt-14-dev wrk python3-uvloop"
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

# Compile everything.
build:
    meson compile -C {{build}}

# Serve examples/app on 127.0.0.1:8000. Flags go to snasio-serve, paths are
# taken from where you stand: just serve --port 9000 --app-dir myapp
serve *args: build
    #!/usr/bin/env bash
    set -euo pipefail
    cd "{{invocation_directory()}}"
    app=(--app-dir "{{justfile_directory()}}/examples/app")
    for a in {{args}}; do
      case "$a" in --app-dir|--app-dir=*|--module|--module=*) app=() ;; esac
    done
    exec "{{justfile_directory()}}/{{build}}/src/snasio-serve" "${app[@]}" {{args}}

# Every C++ and Python test that belongs in CI.
test: build
    meson test -C {{build}} --print-errorlogs
    SNASIO_BUILD_DIR={{build}} {{python}} -m pytest test/py -q -p no:cacheprovider

# Run one fuzzer with libFuzzer, ASan and UBSan (targets: request_parser, router, json).
fuzz target="request_parser" seconds="60":
    #!/usr/bin/env bash
    set -euo pipefail
    if [ ! -f build-fuzz/build.ninja ]; then
      CC=clang CXX=clang++ meson setup build-fuzz -Dpython={{python}} -Dfuzzing=true -Dtests=false \
        -Db_sanitize=address,undefined -Db_lundef=false
    fi
    meson compile -C build-fuzz fuzz/{{target}}/{{target}}_fuzzer
    mkdir -p build-fuzz/corpus/{{target}}
    # New inputs go to build-fuzz/corpus; the committed seeds stay as they are.
    # The json target embeds an interpreter that is never finalized: what
    # Python still holds at exit is not a leak, so leak checks are off there.
    if [ "{{target}}" = json ]; then export ASAN_OPTIONS=detect_leaks=0; fi
    extra=()
    [ -f fuzz/{{target}}/{{target}}.dict ] && extra+=(-dict=fuzz/{{target}}/{{target}}.dict)
    [ -f fuzz/{{target}}/ubsan.supp ] && export UBSAN_OPTIONS=suppressions=fuzz/{{target}}/ubsan.supp
    build-fuzz/fuzz/{{target}}/{{target}}_fuzzer build-fuzz/corpus/{{target}} fuzz/{{target}}/corpus \
      -max_total_time={{seconds}} "${extra[@]}"

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
    status=0
    {{python}} bench/http_bench.py --build build-bench --write docs/benchmarks.md {{args}} || status=$?
    SNASIO_BUILD_DIR=build-bench {{python}} bench/router_bench.py --write docs/benchmarks.md
    exit $status

# Soak the reactor <-> GIL-thread bridge: every kind of request, checked, for a while.
soak seconds="120": build
    {{python}} test/soak/bridge_soak.py --build {{build}} --seconds {{seconds}}

# Remove every build directory.
clean:
    rm -rf {{build}} build-fuzz build-bench
