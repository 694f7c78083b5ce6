#!/usr/bin/env bats
# grove-convert tokenize / detokenize on a real (small) tokenizer: tests/data/text/tiny-tokenizer, made by
# make_tiny_tokenizer.py; and, when scripts/check.sh has installed the npm oracles (GROVE_TOKENIZER_ORACLE), on
# LLaMA-2's own vocabulary against the ids the oracles give.
bats_require_minimum_version 1.5.0
load helpers

T="$BATS_TEST_DIRNAME/../data/text/tiny-tokenizer"

@test "tokenize writes one line of ids per text, with the original's pieces around added tokens" {
  printf '%s\n' '<p> a man </p> [DET] cuts <p> an onion </p> [DET]' 'a man' '[DET]' '<p>' > "$BATS_TEST_TMPDIR/in.txt"
  run --separate-stderr grove-convert tokenize "$T" -i "$BATS_TEST_TMPDIR/in.txt" --pieces
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "<s> ▁ <p> ▁a ▁man ▁ </p> ▁ [DET] ▁cuts ▁ <p> ▁an ▁onion ▁ </p> ▁ [DET]" ]
  [ "${lines[1]}" = "<s> ▁a ▁man" ]
  [ "${lines[2]}" = "<s> [DET]" ]          # [DET] alone has no "▁" before it: det_token_idx = input_ids[0]
  [ "${lines[3]}" = "<s> ▁ <p>" ]          # but <p> alone does: the original takes input_ids[1]
  [[ "$stderr" == *"4 lines tokenized"* ]]
  run grove-convert -q tokenize "$T" -i "$BATS_TEST_TMPDIR/in.txt"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 4 ]
  [ "${lines[2]}" = "1 509" ]              # [DET] is 509 = 500 + 9, as 32009 in LLaMA's
  [ "${lines[3]}" = "1 310 505" ]
  run grove-convert -q tokenize "$T" --no-bos <<< '[DET]'
  [ "$output" = "509" ]
}

@test "detokenize gives the texts back, and reads Python lists" {
  printf '%s\n' 'a chef mixes the dough with a spoon.' 'Digits 0123 and ü, € (bytes).' > "$BATS_TEST_TMPDIR/in.txt"
  grove-convert -q tokenize "$T" -i "$BATS_TEST_TMPDIR/in.txt" -o "$BATS_TEST_TMPDIR/ids.txt"
  [ "$(wc -l < "$BATS_TEST_TMPDIR/ids.txt")" -eq 2 ]
  grep -q '^1 ' "$BATS_TEST_TMPDIR/ids.txt"
  run grove-convert -q tokenize "$T" --pieces <<< 'ü'
  [ "$output" = "<s> ▁ <0xC3> <0xBC>" ]    # characters outside the vocabulary fall back to their UTF-8 bytes
  run grove-convert -q detokenize "$T" -i "$BATS_TEST_TMPDIR/ids.txt"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "<s> a chef mixes the dough with a spoon." ]
  [ "${lines[1]}" = "<s> Digits 0123 and ü, € (bytes)." ]
  run grove-convert -q detokenize "$T" <<< '[1, 313, 378]'
  [ "$output" = "<s> a man" ]
}

@test "a prompt with newlines fits on one line with -e, and <video> becomes the single -200" {
  prompt='USER: The <vid_start><video><vid_end> provides an overview of the video.\nWhat is happening? ASSISTANT:'
  run --separate-stderr grove-convert tokenize "$T" -e --prompt <<< "$prompt"
  [ "$status" -eq 0 ]
  [ "$(tr ' ' '\n' <<< "$output" | grep -c -- '^-200$')" -eq 1 ]
  [ "$(tr ' ' '\n' <<< "$output" | grep -c '^1$')" -eq 1 ]
  [[ "$output" == "1 "* ]]
  [[ "$output" == *" 507 -200 508 "* ]]     # <vid_start> -200 <vid_end>
  [[ "$output" == *" 13 "* ]]               # the newline is LLaMA's byte piece <0x0A>
  run grove-convert -q detokenize "$T" -e <<< "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == "<s> USER:"*"<vid_start><video><vid_end>"*"\\nWhat is happening? ASSISTANT:" ]]
}

@test "bad ids, missing tokenizers and unreadable inputs fail with one line naming the place" {
  run --separate-stderr grove-convert detokenize "$T" <<< $'1 2\n3 x 4'
  [ "$status" -eq 2 ]
  [ "$stderr" = "grove-convert: error: <stdin>:2: 'x' is not a token id (expected integers separated by spaces or commas)" ]
  run --separate-stderr grove-convert detokenize "$T" <<< '1 512'
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"<stdin>:1: 512 is outside the vocabulary (0..509 and -200)"* ]]
  run --separate-stderr grove-convert tokenize "$BATS_TEST_TMPDIR/none" <<< 'a'
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"$BATS_TEST_TMPDIR/none: not a directory"* ]]
  run --separate-stderr grove-convert tokenize "$T" -i "$BATS_TEST_TMPDIR/missing.txt"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"missing.txt"* ]]
  # An output that fails midway is not left behind under its name.
  run --separate-stderr grove-convert detokenize "$T" -o "$BATS_TEST_TMPDIR/out.txt" <<< $'1 2\n1 x'
  [ "$status" -eq 2 ]
  [ ! -e "$BATS_TEST_TMPDIR/out.txt" ]
  [ -z "$(ls "$BATS_TEST_TMPDIR" | grep out.txt)" ]
}

@test "random --tokenizer makes a model directory whose tokenizer the verbs use; ids must fit the config" {
  grove-convert -q random --config golden-tiny --tokenizer "$T" -o "$BATS_TEST_TMPDIR/m"
  [ -f "$BATS_TEST_TMPDIR/m/tokenizer.json" ]
  run grove-convert -q tokenize "$BATS_TEST_TMPDIR/m" <<< '[DET]'
  [ "$output" = "1 509" ]
  run --separate-stderr grove-convert random --config "$DATA/arch/tiny.json" --tokenizer "$T" -o "$BATS_TEST_TMPDIR/bad"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"<p> has id 505 in this tokenizer but 59 in the model config"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/bad" ]
}

@test "on LLaMA-2's vocabulary the ids equal the npm oracles' (set up by make check)" {
  [ -n "${GROVE_TOKENIZER_ORACLE:-}" ] || skip "GROVE_TOKENIZER_ORACLE is not set (scripts/check.sh sets it)"
  O="$GROVE_TOKENIZER_ORACLE"
  mkdir "$BATS_TEST_TMPDIR/llama"
  ln -s "$O/tokenizer.json" "$BATS_TEST_TMPDIR/llama/tokenizer.json"
  echo '{"<im_start>": 32000, "<im_end>": 32001, "<bbox>": 32002, "<point>": 32003, "[SEG]": 32004, "<p>": 32005,
         "</p>": 32006, "<vid_start>": 32007, "<vid_end>": 32008, "[DET]": 32009}' > "$BATS_TEST_TMPDIR/llama/added_tokens.json"
  # The oracles' cases without added tokens (the npm packages know none): texts escaped one a line, and their ids.
  node -e '
    const fs = require("fs");
    const esc = s => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\t/g, "\\t").replace(/\r/g, "\\r");
    const cases = fs.readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse).slice(0, 1000);
    fs.writeFileSync(process.argv[2], cases.map(c => esc(c.text)).join("\n") + "\n");
    fs.writeFileSync(process.argv[3], cases.map(c => c.ljs.join(" ")).join("\n") + "\n");
  ' "$O/cases.jsonl" "$BATS_TEST_TMPDIR/texts" "$BATS_TEST_TMPDIR/expected"
  grove-convert -q tokenize "$BATS_TEST_TMPDIR/llama" -e -i "$BATS_TEST_TMPDIR/texts" -o "$BATS_TEST_TMPDIR/got"
  diff "$BATS_TEST_TMPDIR/expected" "$BATS_TEST_TMPDIR/got"
  run grove-convert -q tokenize "$BATS_TEST_TMPDIR/llama" <<< '<p> A man </p> [DET] cuts'
  [ "$output" = "1 29871 32005 319 767 29871 32006 29871 32009 5700 29879" ]
}
