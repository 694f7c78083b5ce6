#!/usr/bin/env bats
# Model directories from the weights users download (tests/data/arch/downloads, made by make_downloads.py with
# PyTorch itself, shrunk to tests/data/arch/tiny.json): grove-convert init, import-grove, inspect and export.
bats_require_minimum_version 1.5.0
load helpers

A="$BATS_TEST_DIRNAME/../data/arch"
D="$A/downloads"

@test "init builds a complete pre-training start from GLaMM, CLIP and SAM downloads" {
  run --separate-stderr grove-convert init --glamm "$D/glamm" --clip "$D/clip" --sam "$D/sam_vit_tiny.pth" \
    --config "$A/tiny.json" -o "$BATS_TEST_TMPDIR/start"
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"pos_embed [1, 64, 64, 16] -> [1, 32, 32, 16] (bicubic)"* ]]
  [[ "$stderr" == *"rel_pos_h [127, 8] -> [63, 8] (bicubic, align_corners)"* ]]
  [[ "$stderr" == *"model.embed_tokens.weight [61, 16] -> [64, 16]"* ]]
  [[ "$stderr" == *"2 tensors of the unused region encoder dropped"* ]]
  [[ "$stderr" == *"12 tensors initialised afresh"* ]]
  run grove-convert inspect "$BATS_TEST_TMPDIR/start"
  [ "$status" -eq 0 ]
  [[ "$output" == *$'  check\tcomplete'* ]]
  grep -q '"\[DET\]": 63' "$BATS_TEST_TMPDIR/start/added_tokens.json"
  grep -q '"name": "tiny-test"' "$BATS_TEST_TMPDIR/start/config.json"
  cmp "$D/glamm/tokenizer.model" "$BATS_TEST_TMPDIR/start/tokenizer.model"
}

@test "import-glamm makes a glamm-style model from a GLaMM download and CLIP, with nothing resized or made afresh" {
  run --separate-stderr grove-convert import-glamm --glamm "$D/glamm" --clip "$D/clip" --config "$A/tiny-glamm.json" \
    -o "$BATS_TEST_TMPDIR/g"
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"194 tensors from $D/glamm"* ]]
  [[ "$stderr" == *"2 tensors of the unused region encoder dropped"* ]]
  [[ "$stderr" != *" -> "* ]] && [[ "$stderr" != *"afresh"* ]]
  run grove-convert inspect "$BATS_TEST_TMPDIR/g"
  [[ "$output" == *$'  check\tcomplete'* ]]
  grep -q '"style": "glamm"' "$BATS_TEST_TMPDIR/g/config.json"
  grep -q '"\[SEG\]": 58' "$BATS_TEST_TMPDIR/g/added_tokens.json"
  # A GROVE config is refused.
  run --separate-stderr grove-convert import-glamm --glamm "$D/glamm" --clip "$D/clip" --config "$A/tiny.json" -o "$BATS_TEST_TMPDIR/x"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'import-glamm needs a config of style "glamm"'* ]]
}

@test "import-grove converts a released checkpoint; export gives it back as one torch.save state dict" {
  run --separate-stderr grove-convert import-grove "$D/grove_ckpt.bin" --tokenizer "$D/glamm" \
    --config "$A/tiny.json" -o "$BATS_TEST_TMPDIR/m"
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"277 tensors from $D/grove_ckpt.bin"* ]]
  [[ "$stderr" == *"2 tensors of the unused region encoder dropped"* ]]
  run grove-convert export "$BATS_TEST_TMPDIR/m" -o "$BATS_TEST_TMPDIR/m.bin"
  [ "$status" -eq 0 ]
  # The export holds exactly the checkpoint's tensors (less the region encoder), same names, dtypes and shapes.
  grove-convert inspect --tensors "$D/grove_ckpt.bin" | grep -v region_encoder | grep $'^  model\|^  lm_head' | sort > "$BATS_TEST_TMPDIR/a"
  grove-convert inspect --tensors "$BATS_TEST_TMPDIR/m.bin" | grep $'^  model\|^  lm_head' | sort > "$BATS_TEST_TMPDIR/b"
  [ "$(wc -l < "$BATS_TEST_TMPDIR/a")" -eq 277 ]
  cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
  # --dtype converts on the way in.
  grove-convert -q import-grove "$D/grove_ckpt.bin" --tokenizer "$D/glamm" --config "$A/tiny.json" --dtype bf16 -o "$BATS_TEST_TMPDIR/h"
  run grove-convert inspect "$BATS_TEST_TMPDIR/h"
  [[ "$output" == *$'  dtype BF16\t98021 parameters'* ]]
}

@test "an incomplete import lists every missing tensor and writes nothing" {
  run --separate-stderr grove-convert import-grove "$D/sam_vit_tiny.pth" --tokenizer "$D/glamm" \
    --config "$A/tiny.json" -o "$BATS_TEST_TMPDIR/none"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"error: missing model.embed_tokens.weight [64, 16]"* ]]
  [[ "$stderr" == *"problems with the weights"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/none" ]
  [ -z "$(ls "$BATS_TEST_TMPDIR" | grep tmp-)" ]
}

@test "random --from grows a model: tensors of the same name and shape are copied, the others drawn as without it" {
  T=$BATS_TEST_TMPDIR
  grove-convert -q random --config micro --seed 1 -o "$T/small"
  jq '.sam.prompt_dim *= 2 | .sam.decoder_mlp_dim *= 2' "$GROVE_DATADIR/configs/micro.json" > "$T/wide.json"
  run --separate-stderr grove-convert random --config "$T/wide.json" --seed 2 --from "$T/small" -o "$T/grown"
  [ "$status" -eq 0 ]
  [[ "$stderr" =~ ([0-9]+)\ tensors\ from\ $T/small\ and\ ([0-9]+)\ random\ ones ]]
  copied=${BASH_REMATCH[1]} drawn=${BASH_REMATCH[2]}
  [ "$copied" -gt 100 ] && [ "$drawn" -gt 50 ]
  # Every tensor both hold at one shape is the small model's; every resized one (the mask decoder, the SAM neck,
  # text_hidden_fcs' last layer) is what the same seed draws without --from.
  run --separate-stderr grove-convert compare "$T/grown" "$T/small"
  [ "$(grep -c 'shapes differ' <<< "$stderr")" -eq "$drawn" ]
  [[ "$output" == *$'differing\t0'* ]]
  grove-convert -q random --config "$T/wide.json" --seed 2 -o "$T/fresh"
  run grove-convert compare "$T/grown" "$T/fresh"
  differing=$(sed -n 's/^differing\t//p' <<< "$output")
  [ "$differing" -gt 100 ] && [ "$differing" -le "$copied" ]   # (a copied tensor can equal a fresh one: alphas 0)
  # A grown model is a source like any other; a source that is not a model directory is one error line.
  grove-convert -q random --config micro --from "$T/grown" -o "$T/back"
  run --separate-stderr grove-convert random --config micro --from "$T/missing" -o "$T/none"
  [ "$status" -eq 2 ]
  [ "${#stderr_lines[@]}" -eq 1 ]
  [[ "$stderr" == "grove-convert: error: $T/missing"* ]]
  [ ! -e "$T/none" ]
}

@test "an existing output is kept unless --force" {
  mkdir "$BATS_TEST_TMPDIR/m" && touch "$BATS_TEST_TMPDIR/m/mine"
  run --separate-stderr grove-convert import-grove "$D/grove_ckpt.bin" --tokenizer "$D/glamm" --config "$A/tiny.json" -o "$BATS_TEST_TMPDIR/m"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"already exists"* ]]
  [ -e "$BATS_TEST_TMPDIR/m/mine" ]
  grove-convert -q import-grove "$D/grove_ckpt.bin" --tokenizer "$D/glamm" --config "$A/tiny.json" --force -o "$BATS_TEST_TMPDIR/m"
  [ ! -e "$BATS_TEST_TMPDIR/m/mine" ]
  [ -e "$BATS_TEST_TMPDIR/m/config.json" ]
}

@test "a model directory with wrong tensors: inspect names each problem and fails; export refuses" {
  grove-convert -q import-grove "$D/grove_ckpt.bin" --tokenizer "$D/glamm" --config "$A/tiny.json" -o "$BATS_TEST_TMPDIR/m"
  sed -i 's/"intermediate_size": 32/"intermediate_size": 48/' "$BATS_TEST_TMPDIR/m/config.json"
  run --separate-stderr grove-convert inspect "$BATS_TEST_TMPDIR/m"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"model.layers.0.mlp.gate_proj.weight has shape [32, 16], expected [48, 16]"* ]]
  [[ "$output" == *$'  check\t15 problems'* ]]  # the llama and CLIP MLPs: 3 + 4 x 3
  run --separate-stderr grove-convert export "$BATS_TEST_TMPDIR/m" -o "$BATS_TEST_TMPDIR/x.bin"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"15 problems with the weights"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/x.bin" ]
}

@test "a tokenizer whose ids disagree with the config is refused" {
  cp -r "$D/glamm" "$BATS_TEST_TMPDIR/tok"
  echo '{"<p>": 12, "</p>": 60}' > "$BATS_TEST_TMPDIR/tok/added_tokens.json"
  run --separate-stderr grove-convert import-grove "$D/grove_ckpt.bin" --tokenizer "$BATS_TEST_TMPDIR/tok" \
    --config "$A/tiny.json" -o "$BATS_TEST_TMPDIR/m"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"<p> has id 12 in this tokenizer but 59 in the model config"* ]]
}
