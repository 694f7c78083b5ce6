# Shared set-up for the Bats tests: the binaries under test come from $GROVE_BIN (scripts/check.sh sets it).
GROVE_BIN=${GROVE_BIN:-$BATS_TEST_DIRNAME/../../build/bin}
PATH="$GROVE_BIN:$PATH"
DATA="$BATS_TEST_DIRNAME/../data"

# Asserts that the command's stderr ($stderr_file) is exactly one line starting with the given prefix.
one_error_line() {
  local file=$1 prefix=$2
  [ "$(wc -l < "$file")" -eq 1 ] || { echo "expected one stderr line, got:"; cat "$file"; return 1; }
  grep -q "^$prefix" "$file" || { echo "stderr does not start with '$prefix':"; cat "$file"; return 1; }
}
