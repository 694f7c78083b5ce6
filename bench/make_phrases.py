#!/usr/bin/env python3
# N distinct noun phrases of 2 to 6 words (default 5000), one a line, for the BERT path of bench/grounding.sh:
# grove-embed's phrases/s. Deterministic (seeded); Python's standard library only.
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
rng = random.Random(11)
dets = ["a", "the", "his", "her", "another", "some", "two", "the other"]
adjs = ["red", "small", "wooden", "sharp", "large", "white", "metal", "hot", "green", "empty", "round", "chopped",
        "plastic", "dirty", "left", "right", "black", "glass", "fresh", "sliced"]
nouns = ["person", "knife", "onion", "bowl", "pan", "spoon", "hand", "board", "pot", "sauce", "dough", "table", "man",
         "woman", "cup", "plate", "tomato", "carrot", "bottle", "lid", "towel", "sink", "oven", "egg", "cheese", "bread"]
tails = ["", "", "", " on the table", " in the sink", " of water", " with a handle", " near the stove"]
seen = set()
while len(seen) < n:
    words = [rng.choice(dets)] + rng.sample(adjs, rng.randint(0, 2)) + [rng.choice(nouns)]
    p = " ".join(words) + rng.choice(tails)
    if p not in seen:
        seen.add(p)
        print(p)
