#!/usr/bin/env bash
# peers-install.sh: installs the established trainers that scripts/peers.py
# measures beside bpetrain (make peers), each at one exact version so that a
# comparison names what it compared against:
#   - HuggingFace tokenizers, npm package "tokenizers" 0.23.2 (the official
#     Node binding; the prebuilt native Rust module ships inside the package),
#     installed into peers/node_modules from peers/package-lock.json;
#   - SentencePiece (spm_train), Debian package sentencepiece 0.1.97-3+b1.
# Node.js itself is not pinned: the package's native module uses N-API, which
# is stable across Node versions (its engines field asks for node >= 10), so
# any installed node serves; when there is none, Debian's nodejs and npm are
# installed.
set -eu
cd "$(dirname "$0")/.."

HF_VERSION=0.23.2
SPM_DEB_VERSION=0.1.97-3+b1

# ---- HuggingFace tokenizers (npm) -----------------------------------------------
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    scripts/ensure-deps.sh nodejs npm
fi
# npm ci installs exactly what the lockfile records (version and sha512) and
# fails instead of resolving anew when package.json and the lock disagree.
# It removes node_modules first, so skip it when the pinned version is there.
have=$(cd peers && node -p 'require("tokenizers/package.json").version' 2>/dev/null || true)
if [ "$have" != "$HF_VERSION" ]; then
    (cd peers && npm ci --no-audit --no-fund)
    have=$(cd peers && node -p 'require("tokenizers/package.json").version')
fi
[ "$have" = "$HF_VERSION" ] || { echo "peers-install: tokenizers is $have, want $HF_VERSION" >&2; exit 1; }
# Loading the module proves the prebuilt native binary fits this platform.
(cd peers && node -e 'require("tokenizers").byteLevelAlphabet()') \
    || { echo "peers-install: tokenizers $HF_VERSION does not load on this platform" >&2; exit 1; }
echo "peers: HF tokenizers $HF_VERSION (node $(node --version))"

# ---- SentencePiece (Debian) -------------------------------------------------------
scripts/ensure-deps.sh "sentencepiece=$SPM_DEB_VERSION"
command -v spm_train >/dev/null 2>&1 || { echo "peers-install: spm_train not found" >&2; exit 1; }
echo "peers: sentencepiece $(dpkg-query -W -f='${Version}' sentencepiece) (spm_train)"
