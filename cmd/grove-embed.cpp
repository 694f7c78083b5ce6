// grove-embed: phrase embeddings from a Hugging Face BERT download, as the original's eval_iground.py computes them
// (mean of bert-base-uncased's last hidden state over every token). grove-eval iground --bert runs it, so that
// grove-eval itself never loads LibTorch. See man/man1/grove-embed.1.
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "cli/tool.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "io/file.h"
#include "model/bert.h"
#include "model/load.h"
#include "nn/runtime.h"

#include <torch/torch.h>

int main(int argc, char** argv) {
  grove::cli::Tool tool("grove-embed", "Embed phrases with BERT (mean-pooled last hidden state, as eval_iground.py).");
  tool.use_runtime(grove::nn::runtime_info, grove::nn::setup_runtime);
  CLI::App& app = tool.app();

  std::vector<std::string> inputs{"-"};
  std::string bert_dir, output = "-", format = "jsonl", device_name = "cpu";
  size_t batch = 64;
  bool json_input = false;
  app.add_option("inputs", inputs, "Phrases, one a line ('-': stdin)")->type_name("FILE...")->default_str("-");
  app.add_option("--bert", bert_dir, "Hugging Face BERT folder (config.json, vocab.txt, model.safetensors or "
                                     "pytorch_model.bin); default $GROVE_BERT")
      ->type_name("DIR");
  grove::cli::Tool::add_output(app, output, "embeddings");
  app.add_option("--format", format, "jsonl: {\"text\", \"embedding\"} a line; f32: a header line "
                                     "\"grove-embed f32 N D\" then N x D little-endian float32")
      ->check(CLI::IsMember({"jsonl", "f32"}))
      ->default_str("jsonl");
  app.add_flag("--json", json_input, "Each input line is a JSON string (phrases may then hold any character)");
  app.add_option("--batch", batch, "Phrases per forward (sorted by length first)")->default_val(64)->check(CLI::Range(1, 65536));
  app.add_option("--device", device_name, "cpu, cuda or cuda:N")->default_str("cpu");

  return tool.run(argc, argv, [&]() -> int {
    if (bert_dir.empty() && std::getenv("GROVE_BERT")) bert_dir = std::getenv("GROVE_BERT");
    if (bert_dir.empty()) throw CLI::ValidationError("--bert", "no BERT folder: give --bert DIR or set GROVE_BERT");
    const c10::Device device = grove::model::parse_device(device_name, "--device");

    // Every input line, and the distinct phrases among them (each embedded once).
    std::vector<std::string> distinct;
    std::unordered_map<std::string, size_t> index;
    std::vector<size_t> rows;
    for (const std::string& path : inputs) {
      grove::io::InputFile in(path);
      std::string line;
      size_t lineno = 0;
      while (in.read_line(line, size_t(1) << 24)) {
        grove::throw_if_interrupted();
        ++lineno;
        std::string text = line;
        if (json_input) {
          try {
            text = nlohmann::json::parse(line).get<std::string>();
          } catch (const std::exception&) {
            throw grove::Error(in.name() + ":" + std::to_string(lineno), "not a JSON string (--json)");
          }
        } else if (!text.empty() && text.back() == '\r') {
          text.pop_back();
        }
        auto [it, fresh] = index.emplace(text, distinct.size());
        if (fresh) distinct.push_back(text);
        rows.push_back(it->second);
      }
    }

    grove::model::BertEmbedder bert(bert_dir, device);
    at::Tensor e = distinct.empty() ? torch::empty({0, bert.config().hidden_size}) : bert.embed(distinct, batch);
    const int64_t d = bert.config().hidden_size;
    const float* data = e.data_ptr<float>();

    grove::io::OutputFile out(output, grove::io::OutputFile::Compression::None);
    if (format == "f32") {
      out.write("grove-embed f32 " + std::to_string(rows.size()) + " " + std::to_string(d) + "\n");
      for (size_t r : rows) out.write(data + r * d, sizeof(float) * static_cast<size_t>(d));
    } else {
      std::string s;
      char num[32];
      for (size_t k = 0; k < rows.size(); ++k) {
        s = "{\"text\":" + nlohmann::json(distinct[rows[k]]).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + ",\"embedding\":[";
        for (int64_t i = 0; i < d; ++i) {
          std::snprintf(num, sizeof num, i ? ",%.9g" : "%.9g", static_cast<double>(data[rows[k] * d + i]));
          s += num;
        }
        s += "]}\n";
        out.write(s);
      }
    }
    out.commit();
    tool.summary(std::to_string(rows.size()) + " phrases, " + std::to_string(distinct.size()) + " distinct, " +
                 std::to_string(bert.forwards()) + " forwards");
    return tool.status();
  });
}
