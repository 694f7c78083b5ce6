#!/usr/bin/env bash
# Makes captions_fixture.json, the expected values of grove's caption metrics, from the reference implementations
# themselves. Run once by hand; grove's tests read the committed JSON and never run Java or Python.
#
#   make_caption_fixture.sh COCO_DIR CORENLP_DIR METEOR_DIR
#
# COCO_DIR     a checkout of salaniz/pycocoevalcap (pycocoevalcap 1.2): its PTBTokenizer wrapper, Bleu, Rouge and
#              Cider run unchanged under Debian's python3 (with numpy).
# CORENLP_DIR  a checkout of stanfordnlp/CoreNLP at tag v3.4.1, the version whose jar pycocoevalcap bundles:
#              PTBTokenizer is compiled from it into tokenizer/stanford-corenlp-3.4.1.jar of a copy of COCO_DIR.
# METEOR_DIR   a checkout of cmu-mtlab/meteor (METEOR 1.5 and its resources: function words, WordNet synonym
#              files, Snowball stemmers); MeteorOracle.java beside this script drives it as meteor.py does.
#              Its English paraphrase table is not in that repository: the fixture scores METEOR with an empty
#              table and with the small paraphrase-test.gz made here from paraphrase-test.txt.
# Needs a JDK (Debian: default-jdk-headless) and /usr/bin/python3 with numpy.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
coco=$(cd "$1" && pwd) corenlp=$(cd "$2" && pwd) meteor=$(cd "$3" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# PTBTokenizer from CoreNLP 3.4.1. Two changes let today's javac build the few classes it needs: a stub for
# Morpha (a generated lexer PTBTokenizer never calls, absent from some checkouts) and one explicit type argument.
cp -r "$corenlp/src" "$work/corenlp-src"
if [ ! -f "$work/corenlp-src/edu/stanford/nlp/process/Morpha.java" ]; then
  cat > "$work/corenlp-src/edu/stanford/nlp/process/Morpha.java" <<'EOF'
package edu.stanford.nlp.process;
class Morpha {
  static final int any = 0, scan = 1;
  Morpha(java.io.InputStream in) {}
  Morpha(java.io.Reader in) {}
  void setOptions(int f) {}
  void setOption(int i, boolean b) {}
  boolean option(int i) { return false; }
  String next() throws java.io.IOException { throw new UnsupportedOperationException(); }
  void yyreset(java.io.Reader r) {}
  void yybegin(int s) {}
}
EOF
fi
sed -i 's/return chain(Arrays.asList(c));/return chain(Arrays.<Comparator<? super T>>asList(c));/' \
  "$work/corenlp-src/edu/stanford/nlp/util/Comparators.java"
mkdir "$work/ptb-classes"
javac --release 8 -nowarn -encoding utf-8 -d "$work/ptb-classes" -sourcepath "$work/corenlp-src" \
  "$work/corenlp-src/edu/stanford/nlp/process/PTBTokenizer.java" 2>&1 | grep -v '^Note:' || true
cp -r "$coco" "$work/coco"
(cd "$work/ptb-classes" && jar cf "$work/coco/tokenizer/stanford-corenlp-3.4.1.jar" .)

# METEOR 1.5 from source; its resources (synonym/, function/, nonbreaking/) go on the class path.
mkdir "$work/meteor-classes"
javac --release 8 -nowarn -encoding utf-8 -d "$work/meteor-classes" -sourcepath "$meteor/src" \
  "$meteor/src/Meteor.java" "$meteor"/src/edu/cmu/meteor/scorer/*.java 2>&1 | grep -v '^Note:' || true
cp -r "$meteor/resources/." "$work/meteor-classes/"
javac -nowarn -cp "$work/meteor-classes" -d "$work" "$here/MeteorOracle.java"

gzip -9n -c "$here/paraphrase-test.txt" > "$here/paraphrase-test.gz"
/usr/bin/python3 "$here/make_caption_fixture.py" "$work/coco" "$work" "$here/captions_fixture.json"
