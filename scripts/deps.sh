#!/usr/bin/env bash
# Installs the Debian packages grove builds, tests and runs with. Idempotent: when every package is already
# installed it prints nothing and exits at once, so `make check` and `make demo` can call it every time.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libtorch-dev libopenblas0-pthread          # LibTorch on CPU; OpenBLAS: without it matrix products are ~20x slower
  libmsgpack-cxx-dev libzstd-dev zlib1g-dev nlohmann-json3-dev libcli11-dev
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev ffmpeg
  libgloo-dev
  libre2-dev libstemmer-dev wordnet-base     # grove-eval: PTB tokenizer rules, METEOR's stemmer and WordNet synonyms
  libicu-dev                                 # the BERT tokenizer (Unicode categories, NFD, case mapping)
  gnuplot-nox                             # grove-train's curves (PNG)
  libcairo2-dev fonts-dejavu-core            # grove-render: drawing boxes and labels, PNG contact sheets
  liblink-grammar-dev link-grammar-dictionaries-en libcurl4-openssl-dev   # grove-annotate: clauses, HTTP LLMs
  libcpp-httplib-dev                         # the tests' loopback chat server
  libgtest-dev bats bc zstd jq            # tests and benchmarks
  clang libclang-rt-dev                      # the fuzz targets (libFuzzer), built by make fuzz and make check
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm run the tokenizer tests' oracles; any install of them will do (Debian's, or NodeSource's, which
# bundles npm and conflicts with Debian's npm package).
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
