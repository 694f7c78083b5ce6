// The BERT phrase-similarity gate of iGround's Recall (reference/evaluation.md 1.1): the cosine of two phrases'
// mean-pooled bert-base-uncased embeddings. libgrove does not load LibTorch, so the embeddings come from the
// grove-embed helper (linked to libgrove-torch), run once per evaluation with every distinct phrase on its stdin:
// one BERT forward per distinct phrase, batched, instead of the original's two forwards per phrase pair and frame.
// The embeddings are then held here, one row per phrase.
#pragma once
#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

namespace grove::eval {

struct EmbedCommand {
  std::string program;    // grove-embed's path (find_embed_helper())
  std::string bert_dir;   // --bert
  int threads = 0;        // --threads when > 0
  bool quiet = false;     // --quiet
  size_t batch = 64;      // --batch
};

// The grove-embed to run: $GROVE_EMBED, else the one beside the running executable, else "grove-embed" on PATH.
std::string find_embed_helper();

class PhraseEmbeddings {
 public:
  PhraseEmbeddings() = default;
  // Rows of `dim` floats, one per phrase (distinct phrases; a repeated one keeps its first row).
  PhraseEmbeddings(const std::vector<std::string>& phrases, std::vector<float> data, size_t dim);

  // Runs the helper (`PROGRAM --bert DIR --json --format f32 ...`) on the phrases; its stderr is ours. Throws
  // grove::Error naming the helper when it cannot start, fails, or answers in another shape.
  static PhraseEmbeddings compute(const std::vector<std::string>& phrases, const EmbedCommand& command);

  // The phrase's row, or nullptr.
  const float* find(const std::string& phrase) const;
  // sklearn's cosine_similarity of the two rows (0 when either is all zeros). Throws grove::Error for a phrase
  // that was not embedded.
  double cosine(const std::string& a, const std::string& b) const;
  size_t size() const { return rows_.size(); }
  size_t dim() const { return dim_; }

 private:
  std::unordered_map<std::string, size_t> rows_;
  std::vector<float> data_;
  std::vector<double> norms_;
  size_t dim_ = 0;
};

}  // namespace grove::eval
