// grove-train: training and fine-tuning as the original's train.py and train_scripts do it, on one CPU or many
// GPUs. See man/man1/grove-train.1.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "cli/progress.h"
#include "cli/tool.h"
#include "core/error.h"
#include "io/schema.h"
#include "io/stream.h"
#include "nn/runtime.h"
#include "train/distributed.h"
#include "train/trainer.h"

using grove::io::Record;

namespace {

std::vector<Record> read_samples(const std::string& path) {
  std::vector<Record> out;
  grove::io::StreamReader in(path);
  Record r;
  while (in.next(r)) {
    if (grove::io::record_type(r) != "sample") continue;
    grove::io::require_valid(r, in.name());
    out.push_back(std::move(r));
  }
  if (out.empty()) throw grove::Error(in.name(), "no sample records");
  return out;
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw grove::Error("--nproc", "cannot find a free local port");
  const int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

volatile sig_atomic_t g_forward = 0;
extern "C" void forward_later(int s) { g_forward = s; }

// --nproc N: this process becomes a launcher of N workers on this machine (as torchrun --nproc_per_node N). The
// workers run in a process group of their own, so a Ctrl-C reaches them once, through the launcher, which passes
// every SIGINT and SIGTERM on: the first makes them checkpoint after the current step and stop, a second ends them.
int launch_local(int n, int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--nproc") {
      ++i;
      continue;
    }
    if (a.rfind("--nproc=", 0) == 0) continue;
    args.push_back(a);
  }
  const std::string port = std::to_string(free_port());
  std::vector<pid_t> pids;
  for (int rank = 0; rank < n; ++rank) {
    pid_t pid = ::fork();
    if (pid == 0) {
      ::setpgid(0, pids.empty() ? 0 : pids.front());
      ::setenv("RANK", std::to_string(rank).c_str(), 1);
      ::setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
      ::setenv("WORLD_SIZE", std::to_string(n).c_str(), 1);
      ::setenv("MASTER_ADDR", "127.0.0.1", 1);
      ::setenv("MASTER_PORT", port.c_str(), 1);
      std::vector<char*> cargs;
      for (auto& a : args) cargs.push_back(a.data());
      if (rank > 0) cargs.push_back(const_cast<char*>("--quiet"));
      cargs.push_back(nullptr);
      ::execv("/proc/self/exe", cargs.data());
      std::perror("grove-train: exec");
      ::_exit(127);
    }
    if (pid < 0) throw grove::Error("--nproc", "fork failed");
    ::setpgid(pid, pids.empty() ? pid : pids.front());
    pids.push_back(pid);
  }
  struct sigaction sa {};
  sa.sa_handler = forward_later;
  sigemptyset(&sa.sa_mask);  // no SA_RESTART: wait() returns to pass the signal on
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  int worst = 0;
  for (size_t left = pids.size(); left > 0; --left) {
    int status = 0;
    pid_t done = ::wait(&status);
    if (done < 0) {
      if (errno != EINTR) break;
      if (g_forward) {
        for (pid_t p : pids) ::kill(p, g_forward);
        g_forward = 0;
      }
      ++left;
      continue;
    }
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code != 0 && worst == 0) {
      worst = code;
      if (code == 128 + SIGINT || code == 128 + SIGTERM) continue;  // stopping on a signal: the others are too
      for (pid_t p : pids)
        if (p != done) ::kill(p, SIGTERM);  // one worker failed: the collective would hang
    }
  }
  return worst;
}

}  // namespace

int main(int argc, char** argv) {
  grove::cli::Tool tool("grove-train", "Train or fine-tune a GROVE model on sample records.");
  tool.use_runtime(grove::nn::runtime_info, grove::nn::setup_runtime);
  CLI::App& app = tool.app();
  grove::train::TrainOptions o;
  std::string train_file, val_file, dataset = "howtoground";
  std::vector<std::string> frames_files;
  int nproc = 0;
  app.add_option("-m,--model", o.model_dir, "The model directory to start from")->required()->type_name("DIR");
  app.add_option("-o,--output", o.output_dir, "Where checkpoints (last/, best/) and log.jsonl go")->required()->type_name("DIR");
  app.add_option("--train", train_file, "Training sample records")->required()->type_name("FILE");
  app.add_option("--val", val_file, "Validation sample records (validated every epoch; best/ by their box losses)")
      ->type_name("FILE");
  app.add_option("--video-dir", o.video_dir, "Decode each sample's frames on the fly from DIR/video_fname")->type_name("DIR");
  app.add_option("--frames", frames_files, "Or take them from these frames streams (grove-decode --samples, 5 fps)")
      ->type_name("FILE...");
  app.add_option("--dataset", dataset, "howtoground (also iground), vidstg or anet: answers, instructions, objectness")
      ->default_str("howtoground");
  app.add_option("--epochs", o.epochs, "Passes over the training set")->default_val(20)->check(CLI::PositiveNumber);
  app.add_option("--lr", o.lr, "Peak learning rate")->default_val(5e-5);
  app.add_option("--warmup", o.warmup, "Linear warmup steps from 0, then linear decay to 0")->default_val(100);
  app.add_option("--weight-decay", o.weight_decay, "AdamW weight decay")->default_val(0.0);
  app.add_option("--beta1", o.beta1, "AdamW beta1")->default_val(0.9);
  app.add_option("--beta2", o.beta2, "AdamW beta2")->default_val(0.95);
  app.add_option("--clip", o.clip, "Gradient norm clipping")->default_val(1.0);
  app.add_option("--accumulation", o.accumulation, "Micro-batches (one clip each) per optimizer step and rank")
      ->default_val(1)->check(CLI::PositiveNumber);
  app.add_option("--ce-weight", o.weights.ce, "Weight of the cross-entropy")->default_val(1.0);
  app.add_option("--giou-weight", o.weights.giou, "Weight of GIoU and of L1 (as the original)")->default_val(2.0);
  app.add_option("--objectness-weight", o.weights.objectness, "Weight of the temporal objectness BCE")->default_val(2.0);
  app.add_option("--unfreeze", o.unfreeze, "Also train the parameters whose names start with these")->type_name("PREFIX...");
  app.add_option("--freeze", o.freeze, "Do not train the parameters whose names start with these")->type_name("PREFIX...");
  app.add_option("--lora-r", o.lora.r, "LoRA rank on the decoder's projections (0: none, as the released scripts)")
      ->default_val(0);
  app.add_option("--lora-alpha", o.lora.alpha, "LoRA alpha (scaling alpha / r)")->default_val(16);
  app.add_option("--lora-dropout", o.lora.dropout, "LoRA dropout")->default_val(0.05);
  app.add_option("--lora-targets", o.lora.targets, "Decoder linear modules given LoRA")->default_str("q_proj v_proj")
      ->type_name("NAME...");
  app.add_flag("--checkpoint-layers", o.checkpoint_layers,
               "Recompute the decoder layers in the backward pass instead of keeping their activations");
  app.add_option("--seed", o.seed, "Seed of the shuffles, frame draws and instruction choice")->default_val(42);
  app.add_option("--workers", o.workers, "Examples prepared ahead on threads (decoding, preprocessing)")->default_val(2);
  app.add_option("--save-every", o.save_every, "Also checkpoint every N steps within an epoch (0: at epoch ends)")
      ->default_val(0);
  app.add_option("--max-steps", o.max_steps, "Stop after N optimizer steps in this run (0: no limit)")->default_val(0);
  app.add_flag("--resume", o.resume, "Continue from OUTPUT/last exactly where it stopped");
  app.add_option("--device", o.device, "cpu, cuda or cuda:N (default cuda is cuda:LOCAL_RANK)")->default_str("cpu");
  app.add_option("--precision", o.precision, "f32, or bf16 autocast with float32 weights")
      ->check(CLI::IsMember({"f32", "bf16"}))
      ->default_str("f32");
  app.add_option("--nproc", nproc, "Start N local worker processes (data parallel; Gloo on CPU, NCCL on GPUs)")
      ->check(CLI::Range(1, 1024));

  return tool.run(argc, argv, [&]() -> int {
    if (nproc > 1) return launch_local(nproc, argc, argv);
    o.dataset = grove::train::parse_dataset(dataset);
    if (o.precision == "bf16" && o.device.rfind("cuda", 0) != 0)
      throw CLI::ValidationError("--precision", "bf16 autocast needs --device cuda (LibTorch's CPU autocast cannot run "
                                                "this network: its layer norms refuse mixed dtypes)");
    if (o.video_dir.empty() == frames_files.empty())
      throw CLI::ValidationError("--video-dir", "give either --video-dir or --frames");
    o.train = read_samples(train_file);
    if (!val_file.empty()) o.val = read_samples(val_file);
    std::map<std::string, Record> frames;
    if (!frames_files.empty()) {
      for (const auto& f : frames_files) {
        grove::io::StreamReader in(f);
        Record r;
        while (in.next(r))
          if (grove::io::record_type(r) == "frames") {
            const std::string id = grove::io::record_id(r);
            frames[id] = std::move(r);
            r = Record();
          }
      }
      o.frames = &frames;
    }
    const auto world = grove::train::world_from_env();
    const bool lead = world.rank == 0;
    grove::cli::Progress progress("training", 0, "steps");
    double last_loss = 0;
    o.on_log = [&](const Record& r) {
      if (r.value("type", "") == "start") progress.set_total(r["total_steps"].get<uint64_t>());
      if (r.value("type", "") == "step") {
        last_loss = r["loss"].get<double>();
        progress.add();
      }
      if (r.value("type", "") == "validation")
        grove::cli::info("epoch " + std::to_string(r["epoch"].get<int64_t>()) + ": validation metric " +
                         std::to_string(r["metric"].get<double>()) + (r["best"].get<bool>() ? " (best)" : ""));
    };
    const int64_t steps = grove::train::run_training(o);
    progress.finish();
    if (lead) {
      // The curves, when gnuplot is at hand: drawn under a temporary name, renamed once complete.
      const std::string out = o.output_dir;
      const std::string png = out + "/curves.png", tmp = png + ".tmp-" + std::to_string(::getpid()) + ".png";
      if (std::system("command -v gnuplot >/dev/null 2>&1") == 0) {
        const std::string script =
            "set terminal pngcairo size 900,500\nset output '" + tmp + "'\nset xlabel 'step'\n"
            "set key outside\nplot '< jq -r \"select(.type==\\\"step\\\") | [.step,.loss,.ce,.giou,.l1,.objectness] | @tsv\" " +
            out + "/log.jsonl' u 1:2 w l t 'loss', '' u 1:3 w l t 'ce', '' u 1:4 w l t 'giou', '' u 1:5 w l t 'l1', "
            "'' u 1:6 w l t 'objectness'\n";
        FILE* p = ::popen("gnuplot 2>/dev/null", "w");
        if (p) {
          std::fputs(script.c_str(), p);
          std::error_code ec;
          if (::pclose(p) == 0 && std::filesystem::exists(tmp)) std::filesystem::rename(tmp, png, ec);
          std::filesystem::remove(tmp, ec);
        }
      }
      tool.summary(std::to_string(steps) + " steps, last loss " + std::to_string(last_loss) + "; checkpoints in " + out);
    }
    return tool.status();
  });
}
