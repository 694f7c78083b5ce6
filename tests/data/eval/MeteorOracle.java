// Fixture oracle for grove's METEOR: scores SCORE lines, the way pycocoevalcap's meteor.py writes them, with the
// METEOR 1.5 Java classes built from source (see make_caption_fixture.sh). Run once to make the committed
// fixture; grove's tests never run Java.
//
// stdin: one line per item, "SCORE ||| ref 1 ||| ... ||| ref n ||| hypothesis" (as meteor.py's _stat builds it)
// stdout: per item "STATS<TAB>sufficient statistics<TAB>segment score", then "CORPUS<TAB>score", the score of
// the summed statistics (what COCO's patched jar prints last for an EVAL line of several statistics).
// args: the paraphrase table (a .gz file in METEOR's format; an empty one turns the module off)
import edu.cmu.meteor.scorer.MeteorConfiguration;
import edu.cmu.meteor.scorer.MeteorScorer;
import edu.cmu.meteor.scorer.MeteorStats;
import edu.cmu.meteor.util.Constants;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.util.ArrayList;

public class MeteorOracle {
  public static void main(String[] args) throws Exception {
    MeteorConfiguration config = new MeteorConfiguration();
    config.setLanguage("en");                               // -l en
    config.setNormalization(Constants.NORMALIZE_KEEP_PUNCT); // -norm
    config.setParaFileURL(new File(args[0]).toURI().toURL());
    MeteorScorer scorer = new MeteorScorer(config);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
    PrintStream out = new PrintStream(System.out, true, "UTF-8");
    MeteorStats total = new MeteorStats();
    for (String line; (line = in.readLine()) != null;) {
      // The same split as Meteor.scoreStdio: parts 1..n-2 are references, the last one the hypothesis.
      String[] part = line.split("\\|\\|\\|");
      ArrayList<String> refs = new ArrayList<String>();
      for (int i = 1; i < part.length - 1; i++) refs.add(part[i].trim());
      String test = part[part.length - 1].trim();
      MeteorStats stats = scorer.getMeteorStats(test, refs);
      // Round trip through the text form, as the stdio protocol does, before scoring the segment.
      MeteorStats parsed = new MeteorStats(stats.toString());
      scorer.computeMetrics(parsed);
      out.println("STATS\t" + stats.toString() + "\t" + parsed.score);
      total.addStats(parsed);
    }
    scorer.computeMetrics(total);
    out.println("CORPUS\t" + total.score);
  }
}
