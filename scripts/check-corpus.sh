#!/usr/bin/env bash
# Decodes every recorded App Center answer of a corpus (a folder of {method, path_template,
# status, live_or_invented, body, note} files kept outside this repository, by default
# ../shared/real-responses) into its operation's generated type, and prints the counts by label:
# decoded, skipped (placeholders, mangled ids: named with the reason), failed, not checked (error
# answers and upload-domain answers, which tests/live_answers.rs covers). Fails when a `live` or
# `likely-live` success answer with real values does not decode.
#
#   scripts/check-corpus.sh [CORPUS_DIR]
#
# Without a corpus there is nothing to check (a fresh clone has none): the script says so and
# succeeds. The test it runs (tests/corpus.rs) is ignored in normal test runs.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus="${1:-${APPCENTER_CORPUS:-../shared/real-responses}}"
if [ ! -d "$corpus" ]; then
    echo "check-corpus: no corpus at $corpus; nothing to check"
    exit 0
fi
APPCENTER_CORPUS="$(cd "$corpus" && pwd)" \
    exec cargo test --features mock --test corpus -- --ignored --nocapture
