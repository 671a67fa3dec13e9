#!/usr/bin/env bash
# test_pysample.sh: the article's strategies in Python learn bpetrain's merges on the
# bundled sample at vocab 2000 (1743 merges), W = 1 2 3 (tests/test_pystrategies.sh: corpus.en,
# the bench and TRAINER=).
set -u
. "$(dirname "$0")/lib.sh"   # $tmp, check
if [ -n "${SANITIZE:-}" ]; then
    # Python code, whose C (bpetrain's counting, the bench's runs) the sanitized
    # tests cover elsewhere; minutes of interpreters that a sanitizer cannot see.
    skip "the Python strategies (the sample) are tested in the release build (SANITIZE=$SANITIZE)"
    exit 0
fi
. "$(dirname "$0")/pystrategies_lib.sh"

# The sample: py-spawn starts 1743 x W interpreters there (minutes at W = 3 on two cores);
# its start method is the only difference from py-fork, whose sample runs check the rest.
want=$(ours $SAMPLE sample 2000)
learn $SAMPLE sample 2000 "$want" "$(echo $strategies | tr ' ' '\n' | grep -vx py-spawn)"
check "the CSV row has bpetrain's columns, in its order" \
    bash -c "[ \"\$(head -1 '$tmp/sample-py-fork-2.csv')\" = \"\$(head -1 '$tmp/sample-c.csv')\" ]"

