// Work on several threads, results in input order: the shape of every grove tool that maps records to records
// (decode videos, run clips through a model). The caller submits inputs one at a time and receives results in the
// order submitted; at most 2 x jobs results are in flight, so memory stays bounded on endless streams.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace grove {

template <class In, class Out>
class OrderedPool {
 public:
  // work runs on the pool's threads; sink runs on the caller's thread, in submission order. An exception thrown
  // by work is rethrown from submit() or finish() when its turn comes.
  OrderedPool(int jobs, std::function<Out(In&)> work, std::function<void(Out&)> sink)
      : work_(std::move(work)), sink_(std::move(sink)), limit_(2 * static_cast<size_t>(std::max(1, jobs))) {
    for (int i = 0; i < std::max(1, jobs); ++i) threads_.emplace_back([this] { run(); });
  }
  // Work not yet started is dropped (a tool that stops on an error does not wait for it); work under way ends.
  ~OrderedPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      queue_.clear();
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

  void submit(In input) {
    auto task = std::make_shared<std::packaged_task<Out()>>(
        [this, in = std::move(input)]() mutable { return work_(in); });
    pending_.push_back(task->get_future());
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back([task] { (*task)(); });
    }
    cv_.notify_one();
    while (pending_.size() >= limit_ || (!pending_.empty() && ready(pending_.front()))) emit_front();
  }

  // Waits for every submitted input and hands out the remaining results.
  void finish() {
    while (!pending_.empty()) emit_front();
  }

 private:
  static bool ready(std::future<Out>& f) { return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }

  void emit_front() {
    Out out = pending_.front().get();
    pending_.pop_front();
    sink_(out);
  }

  void run() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job();
    }
  }

  std::function<Out(In&)> work_;
  std::function<void(Out&)> sink_;
  size_t limit_;
  std::deque<std::future<Out>> pending_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace grove
