#!/usr/bin/python3
"""Makes captions_fixture.json: caption items scored by the COCO caption toolkit itself.

Run once, by make_caption_fixture.sh, with Debian's python3 (numpy) and a JDK. Nothing here runs in grove's tests;
they read the committed JSON.

  make_caption_fixture.py COCO_DIR WORK_DIR OUT.json

COCO_DIR   the source of salaniz/pycocoevalcap (pycocoevalcap 1.2): its tokenizer/ptbtokenizer.py, bleu/, rouge/
           and cider/ are imported and run unchanged. tokenizer/stanford-corenlp-3.4.1.jar must exist (the
           script beside this one builds it from CoreNLP's v3.4.1 source).
WORK_DIR   holds meteor-classes/ (METEOR 1.5 built from source, with its resources/) and MeteorOracle.class.

The items are generated from a fixed seed: how-to-video captions with the punctuation, contractions, numbers,
brackets, quotes and Unicode the tokenizer must handle, candidates made by perturbing a reference (dropped,
swapped, inflected and synonymous words), some items with several references, and the edge cases (identical,
disjoint, empty, punctuation only).
"""
import gzip
import importlib.util
import json
import os
import random
import subprocess
import sys
import types

COCO, WORK, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
HERE = os.path.dirname(os.path.abspath(__file__))


def load_package():
    # Import pycocoevalcap's modules by path as a package named "coco" (its files use relative imports).
    pkg = types.ModuleType("coco")
    pkg.__path__ = [COCO]
    sys.modules["coco"] = pkg

    def load(name, rel):
        spec = importlib.util.spec_from_file_location("coco." + name, os.path.join(COCO, rel),
                                                      submodule_search_locations=None)
        mod = importlib.util.module_from_spec(spec)
        sys.modules["coco." + name] = mod
        spec.loader.exec_module(mod)
        return mod

    for sub in ("tokenizer", "bleu", "rouge", "cider"):
        p = types.ModuleType("coco." + sub)
        p.__path__ = [os.path.join(COCO, sub)]
        sys.modules["coco." + sub] = p
    tok = load("tokenizer.ptbtokenizer", "tokenizer/ptbtokenizer.py")
    load("bleu.bleu_scorer", "bleu/bleu_scorer.py")
    bleu = load("bleu.bleu", "bleu/bleu.py")
    rouge = load("rouge.rouge", "rouge/rouge.py")
    load("cider.cider_scorer", "cider/cider_scorer.py")
    cider = load("cider.cider", "cider/cider.py")
    return tok.PTBTokenizer, bleu.Bleu, rouge.Rouge, cider.Cider


PTBTokenizer, Bleu, Rouge, Cider = load_package()

rng = random.Random(20250611)

SUBJECTS = ["a man", "A woman", "the person", "someone", "a chef", "two men", "a young girl", "The cook",
            "a man in a red shirt", "a woman wearing glasses", "the man's hand", "A boy", "people", "a lady",
            "Mr. Smith", "a U.S. soldier", "the guy"]
VERBS = ["is cutting", "cuts", "slices", "chops", "is pouring", "pours", "stirs", "mixes", "places", "puts",
         "adds", "washes", "peels", "fries", "is grilling", "grills", "holds", "shows", "picks up", "takes",
         "is mixing", "whisks", "cracks", "spreads", "sprinkles", "rolls", "flips", "boils", "bakes", "dices"]
OBJECTS = ["an onion", "the tomatoes", "a carrot", "some garlic", "the dough", "olive oil", "the chicken breast",
           "a bowl of rice", "3 eggs", "1/2 cup of sugar", "the potatoes", "a 10-inch pan", "the stir-fry",
           "2.5 cups of flour", "a knife", "the meat", "green peppers", "butter", "the salad", "a lemon",
           "the pasta", "cheese", "the bread", "water", "salt & pepper", "the fish", "mushrooms", "a cucumber"]
PLACES = ["on a wooden board", "into the pan", "in a bowl", "with a knife", "in the kitchen", "on the stove",
          "(on the left)", "into a pot", "on a plate", "with his hands", "with her fingers", "at the table",
          "in the oven", "under running water", "on the counter", "next to the sink", "into small pieces"]
TAILS = [".", ".", ".", "", "!", " .", "...", "?", ";", ":"]
EXTRAS = ["and then smiles", "while talking", ", then adds salt", "-- slowly", "and doesn't stop",
          "because it's hot", "(carefully)", "and says \"done\"", "for 5 minutes", "at 350 degrees",
          "and it cannot fit", "as we're gonna see", "etc.", "e.g. a spoon", "for $5", "about 50% of it",
          "using a t-shirt", "and the lid's open", "in the café", "and says “great”", "– quickly", "…",
          "and isn't done", "with the U.S. flag", "in 1990's style", "and the kids' toys"]
SWAPS = {"cuts": ["cutting", "cut", "slices", "chops"], "slices": ["sliced", "cuts", "slice"],
         "chops": ["chopped", "cuts", "chop", "minces"], "pours": ["pouring", "poured", "adds"],
         "stirs": ["stirring", "mixes", "stirred"], "mixes": ["mixing", "stirs", "blends", "mixed"],
         "places": ["puts", "placing", "sets", "lays"], "puts": ["places", "putting", "sets"],
         "man": ["men", "guy", "person", "chef"], "woman": ["women", "lady", "girl"], "onion": ["onions"],
         "tomatoes": ["tomato"], "pan": ["pot", "skillet", "pans"], "bowl": ["bowls", "dish"],
         "knife": ["knives", "blade"], "board": ["boards", "chopping board"], "kitchen": ["kitchens"],
         "washes": ["rinses", "washing", "cleans"], "peels": ["peeling", "peeled", "skins"],
         "fries": ["frying", "fried", "cooks"], "holds": ["holding", "grabs", "keeps"],
         "shows": ["showing", "displays", "presents"], "boils": ["boiling", "cooks"], "bakes": ["baking"],
         "large": ["big"], "small": ["little", "tiny"], "pieces": ["piece", "bits"], "meat": ["beef"],
         "picks": ["picking", "takes"], "takes": ["took", "grabs", "picks"], "adds": ["adding", "puts"]}


def sentence():
    s = " ".join([rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS)])
    if rng.random() < 0.8:
        s += " " + rng.choice(PLACES)
    if rng.random() < 0.35:
        s += " " + rng.choice(EXTRAS)
    s += rng.choice(TAILS)
    if rng.random() < 0.3:
        s = s[0].upper() + s[1:]
    if rng.random() < 0.05:
        s = s.upper()
    if rng.random() < 0.05:
        s = "  " + s.replace(" ", "  ", 1) + " "
    return s.replace(" ,", ",")


def perturb(ref):
    words = ref.split(" ")
    out = []
    for w in words:
        r = rng.random()
        core = w.strip(".,!?;:").lower()
        if r < 0.12:
            continue  # drop
        if r < 0.40 and core in SWAPS:
            out.append(rng.choice(SWAPS[core]))
            continue
        if r < 0.45:
            out.append(rng.choice(["the", "a", "very", "small", "large", "red", "quickly", "then"]))
        out.append(w)
    if len(out) > 3 and rng.random() < 0.3:
        i = rng.randrange(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    return " ".join(out)


items = []
# Hand-made cases first: identical, disjoint, empty, punctuation only, one word, repeated words.
items.append(("identical", "a man cuts an onion on a wooden board.", ["a man cuts an onion on a wooden board."]))
items.append(("disjoint", "the dog sleeps", ["a woman pours olive oil into the pan."]))
items.append(("empty", "", ["a man cuts an onion."]))
items.append(("punct-only", "...", ["someone stirs the soup."]))
items.append(("one-word", "onion", ["an onion is cut", "a man slices an onion"]))
items.append(("repeats", "the the the the the the", ["the cat is on the mat", "there is a cat on the mat"]))
items.append(("contractions", "He doesn't cut it, he's slicing the man's onions.",
              ["he does not cut it; he is slicing the onions of the man", "He's slicing onions."]))
items.append(("brackets", "A man (in a red shirt) [left] cuts {two} onions.",
              ["a man in a red shirt cuts two onions"]))
items.append(("quotes", "She says \"it's done\" and 'smiles'.", ["she says ``it is done'' and smiles"]))
items.append(("unicode", "A woman stirs the café’s “soup” – slowly…", ["a woman slowly stirs the soup in a café"]))
items.append(("numbers", "Add 1,000 grams (2.5 lbs) at 3:30 for $5.50 - 50% off", ["add 1000 grams at 3:30"]))
items.append(("abbrev", "Mr. Smith, Jr. visits the U.S. Army etc. with Dr. Who.",
              ["mr smith visits the us army with dr who"]))
items.append(("assimilations", "I cannot believe we're gonna wanna gimme that", ["i can not believe it"]))
items.append(("synonyms", "a guy chops onions with a blade", ["a man cuts an onion with a knife"]))
items.append(("stems", "the men were cutting onions and slicing tomatoes",
              ["a man cut the onion and sliced a tomato"]))
items.append(("hyphens", "a well-known chef stir-fries the t-shirt's pre-cut veggies",
              ["a famous chef stir fries pre cut vegetables"]))
items.append(("caps", "A MAN CUTS AN ONION", ["a man cuts an onion"]))
items.append(("long-dup-refs", "a woman is mixing flour and water in a large bowl",
              ["a woman is mixing flour and water in a large bowl", "a woman mixes flour with water",
               "flour and water are mixed in a bowl by a woman", "a lady mixes the dough"]))

n_generated = 230
for k in range(n_generated):
    n_refs = 1 if rng.random() < 0.6 else rng.randint(2, 5)
    refs = [sentence() for _ in range(n_refs)]
    r = rng.random()
    if r < 0.06:
        cand = refs[0]
    elif r < 0.12:
        cand = sentence()
    else:
        cand = perturb(rng.choice(refs))
    items.append(("gen%03d" % k, cand, refs))

ids = [i for i, _, _ in items]
gts = {i: [{"caption": c} for c in refs] for i, _, refs in items}
res = {i: [{"caption": cand}] for i, cand, _ in items}

tokenizer = PTBTokenizer()
gts_tok = tokenizer.tokenize(gts)
res_tok = tokenizer.tokenize(res)

bleu, bleu_items = Bleu(4).compute_score(gts_tok, res_tok, verbose=0)
rouge, rouge_items = Rouge().compute_score(gts_tok, res_tok)
cider, cider_items = Cider().compute_score(gts_tok, res_tok)


def meteor(table):
    # meteor.py's _stat: the hypothesis loses '|||' and one double space; references are joined as they are.
    lines = []
    for i in ids:
        hyp = res_tok[i][0].replace("|||", "").replace("  ", " ")
        lines.append(" ||| ".join(("SCORE", " ||| ".join(gts_tok[i]), hyp)))
    out = subprocess.run(["java", "-Xmx2G", "-cp", os.path.join(WORK, "meteor-classes") + ":" + WORK,
                          "MeteorOracle", table], input="\n".join(lines) + "\n", capture_output=True,
                         text=True, check=True).stdout.strip().split("\n")
    per = [float(l.split("\t")[2]) for l in out[:-1]]
    stats = [l.split("\t")[1] for l in out[:-1]]
    assert len(per) == len(ids) and out[-1].startswith("CORPUS\t")
    return float(out[-1].split("\t")[1]), per, stats


empty_table = os.path.join(WORK, "paraphrase-empty.gz")
with gzip.open(empty_table, "wb"):
    pass
meteor_plain, meteor_plain_items, stats_plain = meteor(empty_table)
meteor_para, meteor_para_items, stats_para = meteor(os.path.join(HERE, "paraphrase-test.gz"))

fixture = {
    "about": "Caption items scored by pycocoevalcap 1.2's own PTBTokenizer (Stanford CoreNLP 3.4.1), Bleu, Rouge "
             "and Cider, and by METEOR 1.5 (-l en -norm) built from source, with an empty paraphrase table "
             "(METEOR) and with paraphrase-test.gz (METEOR_para). Made by make_caption_fixture.sh; do not edit.",
    "corpus": {"Bleu_1": bleu[0], "Bleu_2": bleu[1], "Bleu_3": bleu[2], "Bleu_4": bleu[3], "ROUGE_L": rouge,
               "CIDEr": cider, "METEOR": meteor_plain, "METEOR_para": meteor_para},
    "items": [],
}
for k, (i, cand, refs) in enumerate(items):
    fixture["items"].append({
        "id": i, "candidate": cand, "references": refs,
        "candidate_tokens": res_tok[i][0], "reference_tokens": gts_tok[i],
        "scores": {"Bleu_1": bleu_items[0][k], "Bleu_2": bleu_items[1][k], "Bleu_3": bleu_items[2][k],
                   "Bleu_4": bleu_items[3][k], "ROUGE_L": float(rouge_items[k]), "CIDEr": float(cider_items[k]),
                   "METEOR": meteor_plain_items[k], "METEOR_para": meteor_para_items[k]},
        "meteor_stats": stats_plain[k], "meteor_para_stats": stats_para[k],
    })
with open(OUT, "w", encoding="utf-8") as f:
    json.dump(fixture, f, ensure_ascii=False, indent=1)
    f.write("\n")
# The same items as grove streams (JSON Lines) for the tests of the grove-eval executable: prediction records
# (the fields grove-eval reads, id and caption) and one sample record per reference.
header = {"type": "header", "format": "grove-stream", "version": 1, "tool": "make_caption_fixture.py",
          "tool_version": "1"}
with open(os.path.join(HERE, "captions_pred.jsonl"), "w", encoding="utf-8") as f:
    f.write(json.dumps(header) + "\n")
    for i, cand, _ in items:
        f.write(json.dumps({"type": "prediction", "id": i, "caption": cand}, ensure_ascii=False) + "\n")
with open(os.path.join(HERE, "captions_gt.jsonl"), "w", encoding="utf-8") as f:
    f.write(json.dumps(header) + "\n")
    for i, _, refs in items:
        for r in refs:
            f.write(json.dumps({"type": "sample", "id": i, "caption": r}, ensure_ascii=False) + "\n")
print("%d items, %d with several references" % (len(items), sum(len(r) > 1 for _, _, r in items)))
